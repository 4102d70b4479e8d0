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
  };
  const connection = config.redis;
  let client: RedisConnectionClient;
  switch (connection.mode) {
    case 'standalone':
      client = new Redis(connection.url, { ...options, password: connection.password });
      break;
    case 'sentinel':
      client = new Redis({ ...options, sentinels: connection.sentinels, name: connection.masterName });
      break;
    case 'cluster': {
      const clusterOptions: ClusterOptions = {
        redisOptions: options,
        enableOfflineQueue: waitsForRedis,
        enableAutoPipelining: !waitsForRedis,
        shardedSubscribers: isSubscriber,
        clusterRetryStrategy: (attempt) => Math.min(50 * 2 ** attempt, RECONNECT_CAP_MS),
      };
      client = new Cluster(connection.nodes, clusterOptions);
      break;
    }
    case 'embedded':
      throw new Error('the embedded redis-server must be started before connecting');
  }
  reportConnectionState(client, role, metrics);
  return client;
}

/** Every error counts; a repeated one is logged once, until the connection is ready again. */
function reportConnectionState(client: RedisConnectionClient, role: RedisRole, metrics: MetricsService): void {
  const logger = new Logger(`Redis:${role}`);
  const errors = metrics.redisErrors.labels(role);
  errors.inc(0);
  let lastError = '';
  client.on('error', (error: Error) => {
    errors.inc();
    if (error.message !== lastError) logger.warn(`connection problem: ${error.message}`);
    lastError = error.message;
  });
  client.on('ready', () => {
    if (lastError) logger.log('reconnected');
    lastError = '';
  });
}

/** Scripts defined on `commands` from now on are defined on `mirror` as well, so that either runs them. */
export function mirrorScripts(commands: RedisConnectionClient, mirror: RedisConnectionClient): void {
  const define = commands.defineCommand.bind(commands);
  commands.defineCommand = (name, definition) => {
    define(name, definition);
    mirror.defineCommand(name, definition);
  };
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

/** Resolves once the client is ready, or after `timeoutMs`: a node may start while Redis is still away. */
export function whenReady(client: RedisConnectionClient, timeoutMs: number): Promise<boolean> {
  if (client.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      client.off('ready', onReady);
      resolve(false);
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve(true);
    };
    client.once('ready', onReady);
  });
}
