import { Inject, Logger } from '@nestjs/common';
import { OnGatewayConnection, OnGatewayDisconnect, OnGatewayInit, WebSocketGateway } from '@nestjs/websockets';
import type { ExtendedError } from 'socket.io';
import { bearerToken } from '../common/bearer-token';
import { CHAT_NAMESPACE } from '../common/contract';
import { AuthenticationError, HandshakeRefusal } from '../common/handshake-error';
import { isRedisUnavailable } from '../common/redis-errors';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { MetricsService } from '../metrics/metrics.service';
import { ChatNamespace } from './chat-namespace';
import { ClientEventRouter } from './client-event-router';
import type { ChatServer, ChatSocket } from './chat-socket';
import { CONNECTION_PIPELINE } from './connection-pipeline';
import type { ConnectionPipeline } from './connection-pipeline';
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
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  afterInit(namespace: ChatServer): void {
    this.namespace.attach(namespace);
    namespace.use((socket, next) => this.admit(socket, next));
  }

  /** One plain listener per event, straight into the router: no rxjs stream per socket, no Nest interceptor chain. */
  handleConnection(socket: ChatSocket): void {
    const connection = connectionOf(socket);
    const listen = socket.on.bind(socket) as (event: string, listener: (...args: unknown[]) => void) => void;
    for (const event of this.router.events) {
      listen(event, (...args: unknown[]) => {
        const ack = typeof args.at(-1) === 'function' ? (args.pop() as (answer: unknown) => void) : undefined;
        void this.router.dispatch(connection, event, args.length <= 1 ? args[0] : args).then(ack);
      });
    }
    this.pipeline.opened(connection);
    this.metrics.connections.inc();
  }

  handleDisconnect(socket: ChatSocket): void {
    this.pipeline.closed(connectionOf(socket));
    this.metrics.connections.dec();
  }

  private admit(socket: ChatSocket, next: (error?: ExtendedError) => void): void {
    const fromAuth = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
    const token = typeof fromAuth === 'string' && fromAuth.length > 0 ? fromAuth : bearerToken(socket.handshake.headers.authorization);
    this.pipeline.admit({ connectionId: socket.id, token, request: socket.request }).then(
      (user) => {
        socket.data.user = user;
        socket.data.nodeId = this.config.nodeId;
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
