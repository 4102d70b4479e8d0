import { Inject, Logger } from '@nestjs/common';
import { OnGatewayConnection, OnGatewayInit, WebSocketGateway } from '@nestjs/websockets';
import type { ExtendedError } from 'socket.io';
import { bearerToken } from '../common/bearer-token';
import { errorBodyOf } from '../common/contract-exception.filter';
import type { Connection } from '../common/connection';
import { CHAT_NAMESPACE } from '../common/contract';
import { AuthenticationError, HandshakeRefusal } from '../common/handshake-error';
import { isRedisUnavailable } from '../common/redis-errors';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { withLogContext } from '../logging/log-context';
import { MetricsService } from '../metrics/metrics.service';
import { ChatNamespace } from './chat-namespace';
import { ClientEventRouter, logContextOf } from './client-event-router';
import type { ChatServer, ChatSocket } from './chat-socket';
import { CONNECTION_PIPELINE } from './connection-pipeline';
import type { ConnectionPipeline } from './connection-pipeline';
import { countMessageDeliveries } from './delivery-metrics';
import { renameAdmittingSocket } from './library-seams';
import { PlainWebSocketEndpoint } from './plain-websocket/plain-websocket.endpoint';
import { connectionOf } from './socket-connection';
import { PlainWebSocketConnection } from './plain-websocket/plain-websocket.connection';
import { connectionIdOf } from './socket-channels';
import { NODE_FULL_REASON, NodeCapacity } from './node-capacity';
import { boundSendBuffers, SlowConsumerListener } from './send-buffer-bound';
import { coalesceFlushedFrames } from './flush-coalescing';

type SocketListener = (this: ChatSocket, ...args: unknown[]) => void;

/**
 * The `/chat` namespace: attaches it, runs the handshake pipeline as its middleware, binds every client event
 * to the `ClientEventRouter` and reports connections opening and closing. A refusal reaches the client as `connect_error` with `message: "unauthorized"` and
 * `data.code`; a limit as `message: "rate_limited"`; Redis trouble and a full node (MAX_CONNECTIONS_PER_NODE) as
 * `message: "unavailable"`.
 */
@WebSocketGateway({ namespace: CHAT_NAMESPACE })
export class ChatNamespaceGateway implements OnGatewayInit, OnGatewayConnection {
  private readonly logger = new Logger('Handshake');
  private sharedClientEvents?: SocketListener;
  private capacity?: NodeCapacity;

  constructor(
    private readonly namespace: ChatNamespace,
    @Inject(CONNECTION_PIPELINE) private readonly pipeline: ConnectionPipeline,
    private readonly metrics: MetricsService,
    private readonly router: ClientEventRouter,
    private readonly plainWebSocket: PlainWebSocketEndpoint,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  afterInit(namespace: ChatServer): void {
    this.namespace.attach(namespace);
    const capacity = new NodeCapacity(this.config.maxConnectionsPerNode, () => namespace.sockets.size);
    this.capacity = capacity;
    this.metrics.nodeConnectionsOpen = () => capacity.open;
    this.metrics.connectionsLimit.set(capacity.limit);
    countMessageDeliveries(namespace.adapter, this.metrics);
    namespace.use((socket, next) => this.admit(socket, next));
    boundSendBuffers(namespace.server.engine, this.config.sendBufferMaxBytes, this.slowConsumerClosed);
    coalesceFlushedFrames(namespace.server.engine);
    this.plainWebSocket.attach(namespace.server, this.slowConsumerClosed);
  }

  private readonly slowConsumerClosed: SlowConsumerListener = ({ transport, remoteAddress }) => {
    this.metrics.slowConsumersClosed.labels(transport).inc();
    this.logger.warn(
      `closed a ${transport} connection from ${remoteAddress}: its unsent output passed SEND_BUFFER_MAX_BYTES (${this.config.sendBufferMaxBytes})`,
    );
  };

  /**
   * Client events go straight into the router: no rxjs stream per socket, no Nest interceptor chain. One
   * catch-all listener, made once and shared by every socket (Socket.IO calls it with the socket as `this`),
   * hands each event to its route: a listener per event name made each socket's listener table a dictionary of
   * some twenty entries, 1.4 KB of an idle connection. The close is heard the same way (`RedisIoAdapter` binds
   * no per-socket disconnect closure). Each event runs in its connection's log context, so every line it logs
   * names the connection and the user.
   */
  handleConnection(socket: ChatSocket): void {
    forgetRequest(socket);
    const connection = connectionOf(socket);
    socket.onAny(this.clientEvents);
    socket.on('disconnect', this.disconnected);
    withLogContext(logContextOf(connection), () => {
      this.logger.debug(`connection opened over ${socket.conn.transport.name}`);
      this.pipeline.opened(connection);
    });
    this.countTransport(socket);
  }

  private get clientEvents(): SocketListener {
    this.sharedClientEvents ??= clientEventsListener(this.router, this.logger);
    return this.sharedClientEvents;
  }

  private readonly disconnected = ((gateway: ChatNamespaceGateway) =>
    function (this: ChatSocket, reason: string): void {
      gateway.handleDisconnect(this, reason);
    })(this);

  handleDisconnect(socket: ChatSocket, reason?: string): void {
    const connection = connectionOf(socket);
    withLogContext(logContextOf(connection), () => {
      this.logger.debug(`connection closed: ${reason ?? 'unknown reason'}`);
      this.pipeline.closed(connection);
    });
    socket.conn.off('upgrade', this.countUpgrade);
    this.metrics.connectionsOver[socket.conn.transport.name]?.dec();
  }

  /** By the engine's transport: `websocket` or `polling` for Socket.IO, `plain-websocket` for `/ws`. */
  private countTransport(socket: ChatSocket): void {
    const transport = socket.conn.transport.name;
    this.metrics.connectionsOver[transport]?.inc();
    if (transport === 'polling') socket.conn.once('upgrade', this.countUpgrade);
  }

  /** A polling connection usually upgrades to WebSocket moments after it opened; one listener serves them all. */
  private readonly countUpgrade = (transport: { name: string }): void => {
    this.metrics.connectionsOver.polling.dec();
    this.metrics.connectionsOver[transport.name]?.inc();
  };

  private admit(socket: ChatSocket, next: (error?: ExtendedError) => void): void {
    renameAdmittingSocket(socket, connectionIdOf(socket.id));
    const capacity = this.capacity as NodeCapacity;
    // before the pipeline: a full node spends nothing on a client it cannot hold, Redis included
    if (!capacity.tryReserve()) {
      next(
        Object.assign(new Error('unavailable'), {
          data: { code: 'unavailable', reason: NODE_FULL_REASON, message: 'this node holds all the connections it may; try again shortly' },
        }),
      );
      // the refusal is written first (next tick); a client that kept the connection open would hold a descriptor
      // until Socket.IO's connect timeout (45 s), which is what this limit keeps for others. /ws answers 503 and closes.
      if (!(socket.conn instanceof PlainWebSocketConnection)) setImmediate(() => socket.conn.close());
      return;
    }
    const fromAuth = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
    const token = typeof fromAuth === 'string' && fromAuth.length > 0 ? fromAuth : bearerToken(socket.handshake.headers.authorization);
    withLogContext({ connectionId: socket.id }, () => this.pipeline.admit({ connectionId: socket.id, token, request: socket.request })).then(
      (user) => {
        socket.data.user = user;
        socket.data.nodeId = this.config.nodeId;
        socket.data.transport = connectionOf(socket).transport;
        next();
        // Socket.IO adds the socket to the namespace on the next tick after `next()`: it counts itself from then on
        process.nextTick(() => capacity.release());
      },
      (error: unknown) => {
        capacity.release();
        next(this.toConnectError(error));
      },
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

/**
 * The catch-all listener of every socket: each client event to its own listener, an event the router does not
 * serve to none (as when no listener was bound to it).
 */
export function clientEventsListener(router: Pick<ClientEventRouter, 'dispatch' | 'events'>, logger: Logger): SocketListener {
  const byEvent = new Map(router.events.map((event): [string, SocketListener] => [event, clientEventListener(router, event, logger)]));
  return function (this: ChatSocket, event: unknown, ...args: unknown[]) {
    if (typeof event === 'string') byEvent.get(event)?.apply(this, args);
  };
}

/**
 * The listener of one client event, shared by every socket: the payload to the router, its answer to the ack.
 * Nothing may leave it: whatever fails between the router and the acknowledgement (the router answers every
 * error of a handler itself) is logged, and the client hears `internal` if it still can.
 */
export function clientEventListener(router: Pick<ClientEventRouter, 'dispatch'>, event: string, logger: Logger): SocketListener {
  return function (this: ChatSocket, ...args: unknown[]) {
    const ack = typeof args.at(-1) === 'function' ? (args.pop() as (answer: unknown) => void) : undefined;
    const connection = connectionOf(this);
    void withLogContext(logContextOf(connection), () => router.dispatch(connection, event, args.length <= 1 ? args[0] : args))
      .then(ack)
      .catch((error: unknown) => withLogContext(logContextOf(connection), () => answerInternal(error, ack, logger)));
  };
}

function answerInternal(error: unknown, ack: ((answer: unknown) => void) | undefined, logger: Logger): void {
  const answer = { ok: false, error: errorBodyOf(error, logger) };
  try {
    ack?.(answer);
  } catch (again) {
    logger.error(`the answer could not be sent: ${again instanceof Error ? again.message : String(again)}`);
  }
}

/**
 * Socket.IO keeps a connection's HTTP request for the connection's whole life (Socket.IO documents dropping it),
 * and its handshake keeps the request's headers and the client's auth (the token). Once the namespace admitted
 * the client nothing reads them: the user is in `socket.data`, the address in `socket.handshake.address`. The
 * engine's WebSocket upgrade also keeps the request reachable (its upgrade response listens for the TCP socket's
 * close), so dropping the reference is not enough: the request's headers go too. A plain WebSocket drops its own.
 */
function forgetRequest(socket: ChatSocket): void {
  socket.handshake.headers = {};
  socket.handshake.auth = {};
  if (socket.conn instanceof PlainWebSocketConnection) return;
  const request = socket.conn.request as { headers: object; rawHeaders: string[] } | undefined;
  if (request) {
    request.headers = {};
    request.rawHeaders = [];
  }
  (socket.conn as { request?: unknown }).request = undefined;
}
