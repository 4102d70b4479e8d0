import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Server } from 'socket.io';
import { WebSocketServer } from 'ws';
import { bearerToken } from '../../common/bearer-token';
import { CHAT_NAMESPACE } from '../../common/contract';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import type { ChatSocket } from '../chat-socket';
import { ClientEventRouter } from '../client-event-router';
import { connectionOf } from '../socket-connection';
import { frameLimitBytes, isOriginAllowed } from '../redis-io.adapter';
import { handToSocketIo } from '../library-seams';
import { jsonPackets, msgpackPackets } from './packet-codec';
import { PlainWebSocketConnection, PlainWebSocketProtocol, refuseUpgrade } from './plain-websocket.connection';
import type { SlowConsumerListener } from '../send-buffer-bound';

export const PLAIN_WEBSOCKET_PATH = '/ws';

/**
 * `GET /ws`: plain WebSocket clients on the HTTP server's port, beside Socket.IO. Each connection is handed to
 * Socket.IO as an engine connection (`PlainWebSocketConnection`), so both kinds of client share one set of
 * rules, rooms and broadcasts. Upgrades on Socket.IO's path are left to it; any other path is answered 404.
 * The server pings every `WS_PING_INTERVAL_MS` and drops a client that did not answer the previous ping.
 */
@Injectable()
export class PlainWebSocketEndpoint implements OnApplicationShutdown {
  private readonly server: WebSocketServer;
  private readonly connections = new Set<PlainWebSocketConnection>();
  private heartbeat?: NodeJS.Timeout;
  private clientEvents?: ReadonlySet<string>;
  /** Shared by every connection: closures per connection would be part of each idle connection's memory. */
  private readonly protocol: PlainWebSocketProtocol;
  private onSlowConsumer: SlowConsumerListener = () => undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly router: ClientEventRouter,
  ) {
    this.protocol = {
      namespace: CHAT_NAMESPACE,
      isClientEvent: (event) => (this.clientEvents ??= new Set(this.router.events)).has(event),
      packets: config.socketParser === 'msgpack' ? msgpackPackets() : jsonPackets,
      chargeRefusal: (admitted, error) => this.router.chargeRefusal(admitted, error),
      sendBufferMaxBytes: config.sendBufferMaxBytes,
      onSlowConsumer: (consumer) => this.onSlowConsumer(consumer),
    };
    this.server = new WebSocketServer({ noServer: true, clientTracking: false, perMessageDeflate: false, maxPayload: frameLimitBytes(config) });
  }

  attach(io: Server, onSlowConsumer: SlowConsumerListener): void {
    this.onSlowConsumer = onSlowConsumer;
    const socketIoPath = `${io.path()}/`;
    io.of(CHAT_NAMESPACE).on('connection', (socket: ChatSocket) => {
      const transport: unknown = socket.conn;
      if (transport instanceof PlainWebSocketConnection) transport.admittedAs = connectionOf(socket);
    });
    (io.httpServer as HttpServer).on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (request.url?.startsWith(socketIoPath)) return;
      this.upgrade(io, request, socket, head);
    });
    this.heartbeat = setInterval(() => this.checkHeartbeats(), this.config.wsPingIntervalMs);
    this.heartbeat.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.heartbeat);
  }

  private upgrade(io: Server, request: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const { path, query } = splitRequestUrl(request.url ?? '/');
    if (path !== PLAIN_WEBSOCKET_PATH) {
      return refuseUpgrade(socket, 404, { statusCode: 404, error: 'Not Found', message: `WebSocket endpoints: ${PLAIN_WEBSOCKET_PATH} and ${io.path()}` });
    }
    if (!isOriginAllowed(request, this.config.corsOrigins)) {
      return refuseUpgrade(socket, 403, { statusCode: 403, error: 'Forbidden', code: 'origin_not_allowed', message: 'this origin may not connect' });
    }
    const connection = new PlainWebSocketConnection({ request, socket, head, server: this.server }, this.protocol);
    this.connections.add(connection);
    connection.once('close', () => this.connections.delete(connection));
    handToSocketIo(io, connection);
    connection.connect(query.get('token') || bearerToken(request.headers.authorization));
  }

  private checkHeartbeats(): void {
    for (const connection of this.connections) {
      if (connection.isAlive) connection.ping();
      else connection.dropUnresponsive();
    }
  }
}

/** Path and query of a request target, whatever its shape: `new URL` throws on some (`//`), inside an event listener. */
function splitRequestUrl(url: string): { path: string; query: URLSearchParams } {
  const queryStart = url.indexOf('?');
  if (queryStart < 0) return { path: url, query: new URLSearchParams() };
  return { path: url.slice(0, queryStart), query: new URLSearchParams(url.slice(queryStart + 1)) };
}
