import { connect, nextEvent, requestOk } from '../support/clients';
import { useRedisCluster } from '../support/scenario';
import { makeToken } from '../support/tokens';

describe('hardening on Redis Cluster: a join answers once its room subscription is confirmed', () => {
  const cluster = useRedisCluster(3, 2);

  it('delivers a message sent right after the first joiner on a node got its ack, in every one of 30 new rooms', async () => {
    const sender = await connect(cluster.nodes[0].url, { token: makeToken({ sub: 'cluster-sender' }) });
    const firstJoiner = await connect(cluster.nodes[1].url, { token: makeToken({ sub: 'cluster-joiner' }) });
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
