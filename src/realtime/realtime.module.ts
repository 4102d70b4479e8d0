import { Global, Module } from '@nestjs/common';
import { ChatNamespace } from './chat-namespace';

@Global()
@Module({ providers: [ChatNamespace], exports: [ChatNamespace] })
export class RealtimeModule {}
