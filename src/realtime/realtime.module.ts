import { Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { MetricsModule } from '../metrics/metrics.module';
import { Broadcaster } from './broadcaster';
import { ChatNamespace } from './chat-namespace';
import { ClientEventRouter } from './client-event-router';
import { PlainWebSocketEndpoint } from './plain-websocket/plain-websocket.endpoint';
import { RoomFeed } from './room-feed';

/** The only owner of Socket.IO. Global: every feature sends through its `Broadcaster`. */
@Global()
@Module({
  imports: [DiscoveryModule, MetricsModule],
  providers: [ChatNamespace, RoomFeed, Broadcaster, ClientEventRouter, PlainWebSocketEndpoint],
  exports: [ChatNamespace, Broadcaster, ClientEventRouter, PlainWebSocketEndpoint],
})
export class RealtimeModule {}
