import { Global, Module } from '@nestjs/common';
import { Broadcaster } from './broadcaster';
import { ChatNamespace } from './chat-namespace';

/** The only owner of Socket.IO. Global: every feature sends through its `Broadcaster`. */
@Global()
@Module({ providers: [ChatNamespace, Broadcaster], exports: [ChatNamespace, Broadcaster] })
export class RealtimeModule {}
