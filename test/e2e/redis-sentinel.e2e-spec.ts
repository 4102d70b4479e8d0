import { connect, nextEvent, requestOk } from '../support/clients';
import { startCluster, stopAll, TestNode } from '../support/nodes';
import { startRedis, TestRedis } from '../support/redis-server';
import { startSentinel, TestSentinel } from '../support/redis-sentinel';
import { makeToken } from '../support/tokens';

describe('through Redis Sentinel (REDIS_SENTINELS)', () => {
  let redis: TestRedis;
  let sentinel: TestSentinel;
  let nodes: TestNode[];

  beforeAll(async () => {
    redis = await startRedis();
    sentinel = await startSentinel(redis.port);
    nodes = await startCluster(2, { REDIS_SENTINELS: sentinel.address, REDIS_SENTINEL_NAME: sentinel.masterName });
  });
  afterAll(async () => {
    await stopAll(nodes ?? []);
    await sentinel?.stop();
    await redis?.stop();
  });

  it('finds the master through the sentinel: ready, and delivering and storing across nodes', async () => {
    expect((await fetch(`${nodes[0].url}/health/ready`)).status).toBe(200);
    const alice = await connect(nodes[0].url, { token: makeToken({ sub: 'alice' }) });
    const bob = await connect(nodes[1].url, { token: makeToken({ sub: 'bob' }) });
    await requestOk(alice, 'room:join', { room: 'sentinel-room' });
    await requestOk(bob, 'room:join', { room: 'sentinel-room' });
    const arrived = nextEvent(bob, 'message');
    const stored = await requestOk(alice, 'message:send', { room: 'sentinel-room', content: 'via sentinel' });
    expect(await arrived).toEqual(stored);
    expect((await requestOk(bob, 'message:history', { room: 'sentinel-room' })).messages).toEqual([stored]);
  });
});
