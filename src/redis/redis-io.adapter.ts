import { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { createAdapter, createShardedAdapter } from '@socket.io/redis-adapter';
import { Server, ServerOptions } from 'socket.io';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { RedisConnectionClient } from './redis-connections';
import { REDIS_PUBLISHER, REDIS_SUBSCRIBER } from './redis.tokens';

/** Bounded wait for the other nodes' answers to fetchSockets / serverSideEmitWithAck. */
const CROSS_NODE_REQUEST_TIMEOUT_MS = 3000;
/** Room for the JSON envelope and multi-byte characters around the longest allowed message. */
const FRAME_HEADROOM_BYTES = 16 * 1024;

/**
 * Socket.IO over the Redis adapter, so rooms and broadcasts span every node. Redis Cluster uses the sharded
 * adapter (SSUBSCRIBE / SPUBLISH): a broadcast reaches only the shard that owns its channel.
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
    const origins = this.config.corsOrigins;
    const server: Server = super.createIOServer(port, {
      ...options,
      maxHttpBufferSize: this.config.messageMaxLength * 4 + FRAME_HEADROOM_BYTES,
      cors: { origin: origins === '*' ? true : origins, credentials: true },
      // CORS headers only ask a browser to keep a reply to itself, and browsers apply no CORS to WebSocket:
      // a page from a foreign origin is refused here, on both transports, before any handshake.
      allowRequest: (request, callback) => callback(null, isOriginAllowed(request.headers.origin, origins)),
    } as ServerOptions);
    server.adapter(
      this.config.redis.mode === 'cluster'
        ? createShardedAdapter(this.publisher, this.subscriber, { channelPrefix: 'chat-io', subscriptionMode: 'dynamic' })
        : createAdapter(this.publisher, this.subscriber, { key: 'chat-io', requestsTimeout: CROSS_NODE_REQUEST_TIMEOUT_MS }),
    );
    return server;
  }
}

/** Clients that send no Origin are not browsers, and CORS does not concern them. */
function isOriginAllowed(origin: string | undefined, allowed: string[] | '*'): boolean {
  return origin === undefined || allowed === '*' || allowed.includes(origin);
}
