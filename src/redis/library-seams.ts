import { Cluster, type Redis } from 'ioredis';
import { expectInternal, type LibrarySeam } from '../common/library-seam';
import type { RedisConnectionClient } from './redis-connections';

/**
 * The only code that touches ioredis's internals. A cluster client with sharded subscribers
 * (`shardedSubscribers: true`) holds one subscriber connection per master, and ioredis says nothing public about
 * them: whether each is connected is read from its private subscriber group. `ioredisSeams()` checks, before the
 * node listens, that the installed version still has what is read here.
 */

/** A master's sharded subscriber, as ioredis keeps it. */
interface ShardSubscriber {
  readonly subscriberStatus: string;
  getInstance(): Redis | null;
}

/** The private group of a cluster client's sharded subscribers: one per master, by `host:port`, and the masters serving slots now. */
interface ShardSubscriberGroup {
  subscriberToSlotsIndex: Map<string, number[]>;
  shardedSubscribers: Map<string, ShardSubscriber>;
}

/**
 * Events a cluster client emits as its sharded subscribers come and go (a subscriber's connection ending, one
 * replaced or created after a slot refresh, the group re-subscribed), besides its own `close` and `ready`.
 */
export const SHARD_SUBSCRIBER_EVENTS = ['-node', '+node', '-subscriber', '+subscriber', 'subscribersReady'] as const;
/** Those that ioredis documents nowhere: its subscriber group's, passed on by the cluster client. */
const GROUP_EVENTS = ['-subscriber', '+subscriber', 'subscribersReady'];

/** Each master that serves slots now, with its sharded subscriber's state and connection, if any. */
export interface ShardSubscription {
  master: string;
  /** ioredis's own word: `connected` once its connection is made; undefined when the master has none. */
  status?: string;
  connection?: Redis;
}

/** Whether the client has sharded subscribers (a cluster client made with `shardedSubscribers: true`). */
export function hasShardSubscribers(client: RedisConnectionClient): boolean {
  return shardGroupOf(client) !== undefined;
}

/** Undefined for a client without sharded subscribers; empty before the group started. */
export function shardSubscriptionsOf(client: RedisConnectionClient): ShardSubscription[] | undefined {
  const group = shardGroupOf(client);
  if (!group) return undefined;
  return [...group.subscriberToSlotsIndex.keys()].map((master) => {
    const subscriber = group.shardedSubscribers.get(master);
    return { master, status: subscriber?.subscriberStatus, connection: subscriber?.getInstance() ?? undefined };
  });
}

function shardGroupOf(client: RedisConnectionClient): ShardSubscriberGroup | undefined {
  return (client as unknown as { shardedSubscribers?: ShardSubscriberGroup }).shardedSubscribers;
}

/** The ioredis internals read above, each with its check against a cluster client that never connects. */
export function ioredisSeams(): LibrarySeam[] {
  const withCluster = <T>(check: (cluster: Cluster) => T): T => {
    const cluster = new Cluster([{ host: '127.0.0.1', port: 1 }], { lazyConnect: true, shardedSubscribers: true });
    try {
      return check(cluster);
    } finally {
      // never connected; a group that the check found broken may fail to stop, which says nothing more
      try {
        cluster.disconnect();
      } catch {
        /* the check's own failure is the one to report */
      }
    }
  };
  return [
    {
      library: 'ioredis',
      internal: "Cluster#shardedSubscribers (the group's shardedSubscribers and subscriberToSlotsIndex maps)",
      verify: () =>
        withCluster((cluster) => {
          const group = shardGroupOf(cluster);
          expectInternal(group, 'a cluster client with shardedSubscribers: true has no shardedSubscribers group');
          expectInternal(group.shardedSubscribers instanceof Map, 'the group has no shardedSubscribers Map');
          expectInternal(group.subscriberToSlotsIndex instanceof Map, 'the group has no subscriberToSlotsIndex Map');
          expectInternal(shardSubscriptionsOf(cluster)?.length === 0, 'a group not started yet lists masters');
        }),
    },
    {
      library: 'ioredis',
      internal: 'ShardedSubscriber#subscriberStatus and #getInstance',
      verify() {
        const { default: ShardedSubscriber } = require('ioredis/built/cluster/ShardedSubscriber') as { default: { prototype: object } };
        const status = Object.getOwnPropertyDescriptor(ShardedSubscriber.prototype, 'subscriberStatus');
        expectInternal(typeof status?.get === 'function', 'ShardedSubscriber has no subscriberStatus getter');
        expectInternal(
          typeof (ShardedSubscriber.prototype as { getInstance?: unknown }).getInstance === 'function',
          'ShardedSubscriber#getInstance is not a function',
        );
      },
    },
    {
      library: 'ioredis',
      internal: `the cluster client's sharded subscriber events (${GROUP_EVENTS.join(', ')})`,
      verify: () =>
        withCluster((cluster) => {
          const group = (cluster as unknown as { subscriberGroupEmitter?: { emit(event: string): boolean } }).subscriberGroupEmitter;
          expectInternal(group, 'the cluster client has no subscriberGroupEmitter');
          const heard: string[] = [];
          for (const event of GROUP_EVENTS) cluster.once(event, () => heard.push(event));
          for (const event of GROUP_EVENTS) group.emit(event);
          const missing = GROUP_EVENTS.filter((event) => !heard.includes(event));
          expectInternal(missing.length === 0, `the cluster client does not pass on ${missing.join(', ')}`);
        }),
    },
  ];
}
