import { Inject, Logger } from '@nestjs/common';
import { OnGatewayConnection, OnGatewayDisconnect, OnGatewayInit, WebSocketGateway } from '@nestjs/websockets';
import type { ExtendedError } from 'socket.io';
import { bearerToken } from '../common/bearer-token';
import { CHAT_NAMESPACE } from '../common/contract';
import { AuthenticationError, HandshakeRefusal } from '../common/handshake-error';
import { isRedisUnavailable } from '../common/redis-errors';
import { withLogContext } from '../logging/log-context';
import { MetricsService } from '../metrics/metrics.service';
import { ChatNamespace } from './chat-namespace';
import { ClientEventRouter } from './client-event-router';
import type { ChatServer, ChatSocket } from './chat-socket';
import { CONNECTION_PIPELINE } from './connection-pipeline';
import type { ConnectionPipeline } from './connection-pipeline';
import { countMessageDeliveries } from './delivery-metrics';
import { connectionOf } from './socket-connection';

/**
 * The `/chat` namespace: attaches it, runs the handshake pipeline as its middleware, binds every client event
 * to the `ClientEventRouter` and reports connections opening and closing. A refusal reaches the client as `connect_error` with `message: "unauthorized"` and
 * `data.code`; a limit as `message: "rate_limited"`; Redis trouble as `message: "unavailable"`.
 */
@WebSocketGateway({ namespace: CHAT_NAMESPACE })
export class ChatNamespaceGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect {
  private readonly logger = new Logger('Handshake');

  constructor(
    private readonly namespace: ChatNamespace,
    @Inject(CONNECTION_PIPELINE) private readonly pipeline: ConnectionPipeline,
    private readonly metrics: MetricsService,
    private readonly router: ClientEventRouter,
  ) {}

  afterInit(namespace: ChatServer): void {
    this.namespace.attach(namespace);
    countMessageDeliveries(namespace.adapter, this.metrics);
    namespace.use((socket, next) => this.admit(socket, next));
  }

  /**
   * One plain listener per event, straight into the router: no rxjs stream per socket, no Nest interceptor chain.
   * Each event runs in the connection's log context (one object per connection), so every line it logs names both.
   */
  handleConnection(socket: ChatSocket): void {
    const connection = connectionOf(socket);
    const logContext = { connectionId: socket.id, userId: connection.user.id };
    const listen = socket.on.bind(socket) as (event: string, listener: (...args: unknown[]) => void) => void;
    for (const event of this.router.events) {
      listen(event, (...args: unknown[]) => {
        const ack = typeof args.at(-1) === 'function' ? (args.pop() as (answer: unknown) => void) : undefined;
        void withLogContext(logContext, () => this.router.dispatch(connection, event, args.length <= 1 ? args[0] : args)).then(ack);
      });
    }
    withLogContext(logContext, () => {
      this.logger.debug(`connection opened over ${socket.conn.transport.name}`);
      this.pipeline.opened(connection);
    });
    this.countTransports(socket);
  }

  handleDisconnect(socket: ChatSocket, reason?: string): void {
    const connection = connectionOf(socket);
    withLogContext({ connectionId: socket.id, userId: connection.user?.id }, () => {
      this.logger.debug(`connection closed: ${reason ?? 'unknown reason'}`);
      this.pipeline.closed(connection);
    });
    this.metrics.connectionsOver[socket.conn.transport.name]?.dec();
  }

  /** A polling connection usually upgrades to WebSocket moments after it opened. */
  private countTransports(socket: ChatSocket): void {
    const gauges = this.metrics.connectionsOver;
    gauges[socket.conn.transport.name]?.inc();
    socket.conn.once('upgrade', (transport: { name: string }) => {
      gauges.polling.dec();
      gauges[transport.name]?.inc();
    });
  }

  private admit(socket: ChatSocket, next: (error?: ExtendedError) => void): void {
    const fromAuth = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
    const token = typeof fromAuth === 'string' && fromAuth.length > 0 ? fromAuth : bearerToken(socket.handshake.headers.authorization);
    withLogContext({ connectionId: socket.id }, () => this.pipeline.admit({ connectionId: socket.id, token, request: socket.request })).then(
      (user) => {
        socket.data.user = user;
        next();
      },
      (error: unknown) => next(this.toConnectError(error)),
    );
  }

  private toConnectError(error: unknown): ExtendedError {
    if (error instanceof AuthenticationError) return Object.assign(new Error('unauthorized'), { data: { code: error.code, message: error.message } });
    if (error instanceof HandshakeRefusal) return Object.assign(new Error(error.message), { data: error.data });
    if (isRedisUnavailable(error)) return Object.assign(new Error('unavailable'), { data: { code: 'unavailable', message: 'try again shortly' } });
    this.logger.error(error instanceof Error ? error.stack : String(error));
    return Object.assign(new Error('internal'), { data: { code: 'internal', message: 'internal error' } });
  }
}
