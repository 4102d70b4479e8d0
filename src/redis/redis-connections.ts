import { Logger } from '@nestjs/common';
import Redis, { Cluster, ClusterOptions, RedisOptions } from 'ioredis';
import { AppConfig } from '../config/app-config';
import type { MetricsService } from '../metrics/metrics.service';

export type RedisConnectionClient = Redis | Cluster;

export type RedisRole = 'commands' | 'admission' | 'publisher' | 'subscriber' | 'queue';

const RECONNECT_CAP_MS = 2000;

/**
 * Builds one connection per role. Commands and publishes never queue while Redis is away
 * (enableOfflineQueue off): they fail at once, so callers answer `unavailable` instead of hanging.
 * The subscriber keeps its queue so that subscriptions made while reconnecting are replayed. BullMQ's
 * connection (`queue`) must wait instead (`maxRetriesPerRequest: null`): its workers block on Redis.
 */
export function createRedisConnection(config: AppConfig, role: RedisRole, metrics: MetricsService): RedisConnectionClient {
  const isSubscriber = role === 'subscriber';
  const waitsForRedis = isSubscriber || role === 'queue';
  const options: RedisOptions = {
    connectionName: `chat:${config.nodeId}:${role}`,
    enableOfflineQueue: waitsForRedis,
    maxRetriesPerRequest: waitsForRedis ? null : 0,
    commandTimeout: role === 'commands' ? config.redisCommandTimeoutMs : role === 'admission' ? config.redisAdmissionTimeoutMs : undefined,
    connectTimeout: 5000,
    enableAutoPipelining: !waitsForRedis,
    retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, RECONNECT_CAP_MS),
    lazyConnect: false,
    // CLIENT SETINFO: a command the product's ACL user (deploy/redis/chat-user.acl) need not be granted
    disableClientInfo: true,
  };
  const connection = config.redis;
  let client: RedisConnectionClient;
  switch (connection.mode) {
    case 'standalone': {
      const { url, username, password, tls } = connection;
      client = new Redis(url, { ...options, username, password, tls });
      break;
    }
    case 'sentinel': {
      const { sentinels, masterName, username, password, tls } = connection;
      // a deployment that encrypts Redis encrypts its sentinels too: both take the same CA and client certificate
      client = new Redis({ ...options, sentinels, name: masterName, username, password, tls, enableTLSForSentinelMode: tls !== undefined, sentinelTLS: tls });
      break;
    }
    case 'cluster': {
      const { nodes, username, password, tls } = connection;
      const clusterOptions: ClusterOptions = {
        // every connection to a shard, the sharded subscribers' included, is made with these
        redisOptions: { ...options, username, password, tls },
        enableOfflineQueue: waitsForRedis,
        enableAutoPipelining: !waitsForRedis,
        shardedSubscribers: isSubscriber,
        clusterRetryStrategy: (attempt) => Math.min(50 * 2 ** attempt, RECONNECT_CAP_MS),
      };
      client = new Cluster(nodes, clusterOptions);
      break;
    }
    case 'embedded':
      throw new Error('the embedded redis-server must be started before connecting');
  }
  reportConnectionState(client, role, metrics);
  return client;
}

/** Node's codes for a server certificate that does not verify: a configuration problem, not an outage. */
const REFUSED_CERTIFICATE = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);
const CERTIFICATE_HINT =
  " (Redis's TLS certificate was refused: REDIS_TLS_CA_FILE must hold the CA that signed it, and the certificate must name the host connected to)";

/** Every error counts; a repeated one is logged once, until the connection is ready again. */
function reportConnectionState(client: RedisConnectionClient, role: RedisRole, metrics: MetricsService): void {
  const logger = new Logger(`Redis:${role}`);
  const errors = metrics.redisErrors.labels(role);
  errors.inc(0);
  let lastError = '';
  client.on('error', (error: Error & { code?: string }) => {
    errors.inc();
    if (error.message !== lastError) logger.warn(`connection problem: ${error.message}${REFUSED_CERTIFICATE.has(error.code ?? '') ? CERTIFICATE_HINT : ''}`);
    lastError = error.message;
  });
  client.on('ready', () => {
    if (lastError) logger.log('reconnected');
    lastError = '';
  });
}

/** The adapter publishes without handling rejections; a failed publish is logged, never an unhandled rejection. */
export function guardPublishes(client: RedisConnectionClient): void {
  const logger = new Logger('Redis:publisher');
  for (const method of ['publish', 'spublish'] as const) {
    const original = client[method].bind(client) as (...args: unknown[]) => Promise<number>;
    (client as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
      const result = original(...args);
      result.catch((error: Error) => logger.warn(`broadcast not published: ${error.message}`));
      return result;
    };
  }
}

/**
 * Resolves once the client is ready, or with false after `timeoutMs`: a node may start while Redis is still away.
 * Rejects at once when Redis's TLS certificate is refused: a wrong or missing REDIS_TLS_CA_FILE is a configuration
 * error that waiting does not cure, so the node refuses to start, saying so, instead of failing later on a vaguer one.
 */
export function whenReady(client: RedisConnectionClient, timeoutMs: number): Promise<boolean> {
  if (client.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve, reject) => {
    const finish = (settle: () => void) => {
      clearTimeout(timer);
      client.off('ready', onReady);
      client.off('error', onError);
      settle();
    };
    const timer = setTimeout(() => finish(() => resolve(false)), timeoutMs);
    const onReady = () => finish(() => resolve(true));
    const onError = (error: Error & { code?: string }) => {
      if (REFUSED_CERTIFICATE.has(error.code ?? '')) finish(() => reject(new Error(`cannot connect to Redis: ${error.message}${CERTIFICATE_HINT}`)));
    };
    client.once('ready', onReady);
    client.on('error', onError);
  });
}
