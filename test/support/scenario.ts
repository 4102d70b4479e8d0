import { closeAllClients } from './clients';
import { startCluster, startDeadlineMs, stopAll, TestNode } from './nodes';
import { REDIS_START_TIMEOUT_MS, startRedis, TestRedis } from './redis-server';
import { startRedisCluster, TestRedisCluster } from './redis-cluster';

export interface Scenario {
  redis: TestRedis;
  nodes: TestNode[];
}

/**
 * The usual stage of an end-to-end file: one real redis-server and `nodeCount` nodes sharing it, started
 * before the file's tests and torn down after them. Read `scenario.nodes` inside tests, not at load time.
 */
export function useCluster(nodeCount = 2, env: Record<string, string> = {}): Scenario {
  const scenario = {} as Scenario;
  beforeAll(async () => {
    scenario.redis = await startRedis();
    scenario.nodes = await startCluster(nodeCount, { REDIS_URL: scenario.redis.url, ...env });
  }, REDIS_START_TIMEOUT_MS + startDeadlineMs());
  afterAll(async () => {
    closeAllClients();
    await stopAll(scenario.nodes ?? []);
    await scenario.redis?.stop();
  });
  return scenario;
}

let roomCounter = 0;
/** A room name no other test in the file uses. */
export function uniqueRoom(prefix = 'room'): string {
  roomCounter += 1;
  return `${prefix}-${process.pid}-${roomCounter}`;
}

/** Like `useCluster`, on a real Redis Cluster of `masters` masters (REDIS_CLUSTER_NODES, sharded pub/sub). */
export function useRedisCluster(masters = 3, nodeCount = 2): { redis: TestRedisCluster; nodes: TestNode[] } {
  const scenario = {} as { redis: TestRedisCluster; nodes: TestNode[] };
  beforeAll(async () => {
    scenario.redis = await startRedisCluster(masters);
    scenario.nodes = await startCluster(nodeCount, { REDIS_CLUSTER_NODES: scenario.redis.nodes });
  });
  afterAll(async () => {
    closeAllClients();
    await stopAll(scenario.nodes ?? []);
    await scenario.redis?.stop();
  });
  return scenario;
}
