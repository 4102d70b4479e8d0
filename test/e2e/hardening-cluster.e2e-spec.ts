import { connect, nextEvent, requestOk } from '../support/clients';
import { startCluster, stopAll, TestNode } from '../support/nodes';
import { startRedisCluster, TestRedisCluster } from '../support/redis-cluster';
import { makeToken } from '../support/tokens';

describe('hardening on Redis Cluster: a join answers once its room subscription is confirmed', () => {
  let redis: TestRedisCluster;
  let nodes: TestNode[];

  beforeAll(async () => {
    redis = await startRedisCluster(3);
    nodes = await startCluster(2, { REDIS_CLUSTER_NODES: redis.nodes });
  });
  afterAll(async () => {
    await stopAll(nodes ?? []);
    await redis?.stop();
  });

  it('delivers a message sent right after the first joiner on a node got its ack, in every one of 30 new rooms', async () => {
    const sender = await connect(nodes[0].url, { token: makeToken({ sub: 'cluster-sender' }) });
    const firstJoiner = await connect(nodes[1].url, { token: makeToken({ sub: 'cluster-joiner' }) });
    for (let i = 0; i < 30; i++) {
      const room = `first-joiner-${process.pid}-${i}`;
      await requestOk(sender, 'room:join', { room });
      await requestOk(firstJoiner, 'room:join', { room });
      const arrived = nextEvent(firstJoiner, 'message', (message: { room: string }) => message.room === room);
      const stored = await requestOk(sender, 'message:send', { room, content: `right after the join ${i}` });
      expect(await arrived).toEqual(stored);
    }
  });
});
