import { untilTrue } from '../support/condition';
import { collect, connect, nextEvent, requestOk } from '../support/clients';
import { http, untilStatus } from '../support/http';
import { startCluster, startDeadlineMs, stopAll, TestNode } from '../support/nodes';
import { REDIS_START_TIMEOUT_MS } from '../support/redis-server';
import { countCodes, exchangeLive, redisCli, ReplicatedRedisCluster, sendUntilStored, startReplicatedRedisCluster } from '../support/redis-failover';
import { RoomFollower } from '../support/room-follower';
import { makeToken } from '../support/tokens';

/** The sharded Socket.IO adapter's channel for a room (createShardedAdapter, channelPrefix `chat-io`). */
const roomChannel = (room: string) => `chat-io#/chat#${room}#`;
/** Long enough for a replica's election (cluster-node-timeout 1000) and the clients' slot refresh on a loaded machine. */
const RECOVERY_TIMEOUT_MS = 25_000;

describe('Redis Cluster master failover (3 masters + 3 replicas)', () => {
  let redis: ReplicatedRedisCluster;
  let nodes: TestNode[];

  beforeAll(async () => {
    redis = await startReplicatedRedisCluster(3, 1000);
    nodes = await startCluster(2, { REDIS_CLUSTER_NODES: redis.nodes });
  }, REDIS_START_TIMEOUT_MS + startDeadlineMs());
  afterAll(async () => {
    await stopAll(nodes ?? []);
    await redis?.stop();
  });

  it('is not ready while a shard subscriber is down, fills what its clients missed once it is back without disconnecting them, and stores and delivers again', async () => {
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
    // each rejoins with `since` on every reconnect, as a client app does
    const aliceFollows = new RoomFollower(alice, room);
    const bobFollows = new RoomFollower(bob, room);
    await Promise.all([aliceFollows.joined(), bobFollows.joined()]);
    const arrived = nextEvent(bob, 'message');
    const before = await requestOk(alice, 'message:send', { room, content: 'before the failover' });
    expect(await arrived).toEqual(before);
    // the replica has the message before its master dies: WAIT on a fresh connection counts the replicas in sync,
    // and a loaded machine can take a while to bring one back in sync
    await untilTrue(async () => (await redisCli(master.port, 'wait', '1', '1000')) === '1', 'the replica in sync with its master', 20_000);
    const disconnects = [alice, bob].map((socket) => collect<string>(socket, 'disconnect'));

    const killedAt = Date.now();
    await master.kill();
    // each node lost its sharded subscriber of the dead master: it would miss the shard's broadcasts
    await Promise.all(nodes.map((node) => untilStatus(`${node.url}/health/ready`, 503, 5000)));
    const notReadyMs = Date.now() - killedAt;
    const readiness = await http(nodes[1].url, 'GET', '/health/ready');
    expect(JSON.stringify(readiness.body)).toContain(`shard subscriber of 127.0.0.1:${master.port}`);

    const ready = Promise.all(nodes.map((node) => untilStatus(`${node.url}/health/ready`, 200, RECOVERY_TIMEOUT_MS))).then(() => Date.now() - killedAt);
    const giveUpAt = killedAt + RECOVERY_TIMEOUT_MS;
    const viaFirst = await sendUntilStored(alice, room, 'during the failover via node 1', giveUpAt);
    const readyMs = await ready;
    const viaSecond = await sendUntilStored(bob, room, 'after the failover via node 2', giveUpAt);
    const expectedDuringFailover = ['unavailable'];
    expect([...viaFirst.refusals, ...viaSecond.refusals].filter((code) => !expectedDuringFailover.includes(code))).toEqual([]);
    expect(await redis.masterOf(slot)).not.toBe(master);

    // live delivery across nodes both ways on the promoted shard
    const [live, back] = await exchangeLive(alice, bob, room);
    const deliveredMs = Date.now() - killedAt;

    // nothing acknowledged was missed by the other side, and no client was disconnected: each node filled the gap
    const fromAlice = [before.id, viaFirst.message.id, live.id];
    const fromBob = [viaSecond.message.id, back.id];
    expect(bobFollows.seen.map((message) => message.id)).toEqual(expect.arrayContaining(fromAlice));
    expect(aliceFollows.seen.map((message) => message.id)).toEqual(expect.arrayContaining(fromBob));
    const history = (await requestOk(bob, 'message:history', { room })).messages.map((message: { id: string }) => message.id);
    expect(history).toEqual([before.id, viaFirst.message.id, viaSecond.message.id, live.id, back.id]);
    expect(disconnects).toEqual([[], []]);
    expect(aliceFollows.joins.length + bobFollows.joins.length).toBe(2);

    console.log(
      `cluster failover: readiness 503 on both nodes ${notReadyMs} ms after SIGKILL of the room's master, 200 again after ${readyMs} ms; ` +
        `first stored send ${viaFirst.at - killedAt} ms after the kill (refusals meanwhile: ${JSON.stringify(countCodes(viaFirst.refusals))}, slowest answer ${viaFirst.slowestAnswerMs} ms); ` +
        `no client disconnected; live cross-node delivery both ways by ${deliveredMs} ms`,
    );
  }, 60_000);
});
