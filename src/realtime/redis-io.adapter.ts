import { INestApplicationContext } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { createAdapter, createShardedAdapter } from '@socket.io/redis-adapter';
import { Server, ServerOptions } from 'socket.io';
import * as msgpackParser from 'socket.io-msgpack-parser';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { RedisConnectionClient } from '../redis/redis-connections';
import { REDIS_PUBLISHER, REDIS_SUBSCRIBER } from '../redis/redis.tokens';
import { attachAdminUi, originsWithAdminUi } from './admin-ui';
import { namespacesJoinedBy } from './library-seams';

/** Bounded wait for the other nodes' answers to fetchSockets / serverSideEmitWithAck. */
const CROSS_NODE_REQUEST_TIMEOUT_MS = 3000;
/** Room for the JSON envelope and multi-byte characters around the longest allowed message. */
const FRAME_HEADROOM_BYTES = 16 * 1024;

/**
 * Socket.IO over the Redis adapter, so rooms and broadcasts span every node. Redis Cluster uses the sharded
 * adapter (SSUBSCRIBE / SPUBLISH): a broadcast reaches only the shard that owns its channel. A room's `message`
 * events do not go through the adapter: `RoomFeed` delivers them from the room's own channel, and fills what
 * an interrupted subscription missed (the adapter's other events are not replayed).
 */
export class RedisIoAdapter extends IoAdapter {
  private readonly config: AppConfig;
  private readonly publisher: RedisConnectionClient;
  private readonly subscriber: RedisConnectionClient;

  constructor(app: INestApplicationContext) {
    super(app);
    this.config = app.get(APP_CONFIG);
    this.publisher = app.get(REDIS_PUBLISHER);
    this.subscriber = app.get(REDIS_SUBSCRIBER);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const origins = originsWithAdminUi(this.config);
    const server: Server = super.createIOServer(port, {
      ...options,
      maxHttpBufferSize: frameLimitBytes(this.config),
      // opt-in: smaller frames and cheaper encoding, for clients that set the same parser (docs/PERFORMANCE.md)
      ...(this.config.socketParser === 'msgpack' ? { parser: msgpackParser } : {}),
      cors: { origin: origins === '*' ? true : origins, credentials: true },
      // CORS headers only ask a browser to keep a reply to itself, and browsers apply no CORS to WebSocket:
      // a page from a foreign origin is refused here, on both transports, before any handshake.
      allowRequest: (request, callback) => callback(null, isOriginAllowed(request, origins)),
      // every other path's upgrade is answered by the plain-WebSocket endpoint, some only after a handshake
      // that may outlast the engine's one-second wait before it destroys upgrades it does not own
      destroyUpgrade: false,
    } as ServerOptions);
    server.adapter(
      this.config.redis.mode === 'cluster'
        ? createShardedAdapter(this.publisher, this.subscriber, { channelPrefix: 'chat-io', subscriptionMode: 'dynamic' })
        : createAdapter(this.publisher, this.subscriber, { key: 'chat-io', requestsTimeout: CROSS_NODE_REQUEST_TIMEOUT_MS }),
    );
    refuseDefaultNamespace(server);
    attachAdminUi(server, this.config);
    return server;
  }
}

/** The largest frame a client may send, on either transport: the longest message, 4 bytes a character, and its envelope. */
export function frameLimitBytes(config: AppConfig): number {
  return config.messageMaxLength * 4 + FRAME_HEADROOM_BYTES;
}

/**
 * Socket.IO's default namespace `/` needs no token and, once joined, keeps a connection open for as long as
 * the client likes. Nothing is served there: it is refused with `connect_error` `not_found`, and a transport
 * that has no other namespace is closed once the refusal is written (Socket.IO alone would keep it for its
 * 45 s connect timeout).
 */
function refuseDefaultNamespace(server: Server): void {
  server.of('/').use((socket, next) => {
    next(Object.assign(new Error('not_found'), { data: { code: 'not_found', message: 'connect to the /chat namespace' } }));
    setImmediate(() => {
      if (namespacesJoinedBy(socket) === 0) socket.conn.close();
    });
  });
}

/**
 * Clients that send no Origin are not browsers, and CORS does not concern them. A request from the node's own
 * origin is same-origin, which CORS never restricts: non-browser clients such as Python's websocket-client send
 * exactly that, and a page served by the node itself does too.
 */
export function isOriginAllowed(request: IncomingMessage, allowed: string[] | '*'): boolean {
  const { origin } = request.headers;
  return origin === undefined || allowed === '*' || allowed.includes(origin) || isSameOrigin(origin, request);
}

/** Same scheme, host and port as the request itself (the URL parser drops default ports and lower-cases hosts). */
function isSameOrigin(origin: string, request: IncomingMessage): boolean {
  const host = request.headers.host;
  if (!host) return false;
  const scheme = (request.socket as TLSSocket).encrypted ? 'https' : 'http';
  try {
    return new URL(origin).origin === new URL(`${scheme}://${host}`).origin;
  } catch {
    return false;
  }
}
