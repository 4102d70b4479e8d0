import { Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { MetricsModule } from '../metrics/metrics.module';
import { Broadcaster } from './broadcaster';
import { ConnectionDirectory } from './connection-directory';
import { NodeOrders } from './node-orders';
import { ChatNamespace } from './chat-namespace';
import { ClientEventRouter } from './client-event-router';
import { PlainWebSocketEndpoint } from './plain-websocket/plain-websocket.endpoint';
import { RoomFeed } from './room-feed';

/**
 * The only owner of Socket.IO. Global: every feature sends through its `Broadcaster`, finds and ends connections
 * through its `ConnectionDirectory` and orders every node through its `NodeOrders`.
 */
@Global()
@Module({
  imports: [DiscoveryModule, MetricsModule],
  providers: [ChatNamespace, RoomFeed, Broadcaster, ConnectionDirectory, NodeOrders, ClientEventRouter, PlainWebSocketEndpoint],
  exports: [ChatNamespace, Broadcaster, ConnectionDirectory, NodeOrders, ClientEventRouter, PlainWebSocketEndpoint],
})
export class RealtimeModule {}
