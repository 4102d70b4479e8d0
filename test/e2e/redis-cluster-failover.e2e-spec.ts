import { connect, nextEvent, requestOk } from '../support/clients';
import { startCluster, stopAll, TestNode } from '../support/nodes';
import { countCodes, redisCli, ReplicatedRedisCluster, sendUntilStored, startReplicatedRedisCluster, until } from '../support/redis-failover';
import { makeToken } from '../support/tokens';

/** The sharded Socket.IO adapter's channel for a room (createShardedAdapter, channelPrefix `chat-io`). */
const roomChannel = (room: string) => `chat-io#/chat#${room}#`;

describe('Redis Cluster master failover (3 masters + 3 replicas)', () => {
  let redis: ReplicatedRedisCluster;
  let nodes: TestNode[];

  beforeAll(async () => {
    redis = await startReplicatedRedisCluster(3, 1000);
    nodes = await startCluster(2, { REDIS_CLUSTER_NODES: redis.nodes });
  }, 30_000);
  afterAll(async () => {
    await stopAll(nodes ?? []);
    await redis?.stop();
  });

  it('stores and delivers again in a room of the failed shard once its replica takes over', async () => {
    // a room whose keys and whose broadcast channel live on the same shard, so that both fail over
    let room = '';
    for (let i = 0; !room; i++) {
      const candidate = `shard-room-${i}`;
      const [keys, channel] = await Promise.all([redis.slotOf(candidate), redis.slotOf(roomChannel(candidate))]);
      if ((await redis.masterOf(keys)) === (await redis.masterOf(channel))) room = candidate;
    }
    const slot = await redis.slotOf(room);
    const master = await redis.masterOf(slot);

    const alice = await connect(nodes[0].url, { token: makeToken({ sub: 'alice' }), reconnection: true });
    const bob = await connect(nodes[1].url, { token: makeToken({ sub: 'bob' }), reconnection: true });
    await requestOk(alice, 'room:join', { room });
    await requestOk(bob, 'room:join', { room });
    const arrived = nextEvent(bob, 'message');
    const before = await requestOk(alice, 'message:send', { room, content: 'before the failover' });
    expect(await arrived).toEqual(before);
    expect(await redisCli(master.port, 'wait', '1', '2000')).toBe('1');

    const killedAt = Date.now();
    await master.kill();
    const giveUpAt = killedAt + 25_000;
    const viaFirst = await sendUntilStored(alice, room, 'after the failover via node 1', giveUpAt);
    const viaSecond = await sendUntilStored(bob, room, 'after the failover via node 2', giveUpAt);
    const promoted = await redis.masterOf(slot);
    console.log(
      `cluster failover: first stored send ${viaFirst.at - killedAt} ms after SIGKILL of the shard's master via node 1, ` +
        `${viaSecond.at - killedAt} ms via node 2; refusals meanwhile: ${JSON.stringify(countCodes(viaFirst.refusals))}, slowest answer ${viaFirst.slowestAnswerMs} ms`,
    );
    expect(promoted).not.toBe(master);

    await requestOk(alice, 'room:join', { room });
    await requestOk(bob, 'room:join', { room });
    const liveAt = Date.now();
    const live = await until('live delivery across nodes on the promoted shard', async () => {
      const toBob = nextEvent(bob, 'message', (message: { content: string }) => message.content.startsWith('live'), 1000);
      const sent = await requestOk(alice, 'message:send', { room, content: `live ${Date.now()}` });
      return (await toBob.catch(() => undefined)) === undefined ? undefined : sent;
    });
    console.log(`cluster failover: live cross-node delivery again ${liveAt - killedAt} ms after the kill (${Date.now() - liveAt} ms of waiting)`);
    const toAlice = nextEvent(alice, 'message', (message: { content: string }) => message.content === 'and back');
    const back = await requestOk(bob, 'message:send', { room, content: 'and back' });
    expect(await toAlice).toEqual(back);
    const history = (await requestOk(bob, 'message:history', { room })).messages.map((message: { id: string }) => message.id);
    expect(history).toEqual(expect.arrayContaining([before.id, viaFirst.message.id, viaSecond.message.id, live.id, back.id]));
  });
});
