import { collect, connect, requestOk } from '../support/clients';
import { http, untilStatus } from '../support/http';
import { exchangeLive, masterPortOf, redisCli } from '../support/redis-failover';
import { RoomFollower } from '../support/room-follower';
import { useRedisCluster } from '../support/scenario';
import { makeToken } from '../support/tokens';

/** The sharded Socket.IO adapter's channel for a room (createShardedAdapter, channelPrefix `chat-io`). */
const roomChannel = (room: string) => `chat-io#/chat#${room}#`;
const RECOVERY_TIMEOUT_MS = 20_000;

describe('Redis Cluster: the master of a room channel killed and restarted (no replica)', () => {
  const cluster = useRedisCluster(3, 2);

  it('is not ready while its shard subscriber is down; once it is back, clients get what they missed without a disconnect', async () => {
    const [anyPort] = cluster.redis.ports;
    const slotOf = async (key: string) => Number(await redisCli(anyPort, 'cluster', 'keyslot', key));
    // a room whose messages are stored on one shard and broadcast through another: only the broadcast is lost
    let room = '';
    let channelMaster: number | undefined;
    for (let i = 0; !room; i++) {
      const candidate = `restart-room-${i}`;
      const [keys, channel] = await Promise.all([slotOf(candidate), slotOf(roomChannel(candidate))]);
      channelMaster = await masterPortOf(channel, anyPort);
      if ((await masterPortOf(keys, anyPort)) !== channelMaster) room = candidate;
    }
    const [nodeA, nodeB] = cluster.nodes;
    const alice = await connect(nodeA.url, { token: makeToken({ sub: 'alice' }), reconnection: true });
    const bob = await connect(nodeB.url, { token: makeToken({ sub: 'bob' }), reconnection: true });
    const aliceFollows = new RoomFollower(alice, room);
    const bobFollows = new RoomFollower(bob, room);
    await Promise.all([aliceFollows.joined(), bobFollows.joined()]);
    const disconnects = [alice, bob].map((socket) => collect<string>(socket, 'disconnect'));
    const liveToBob = collect<{ id: string }>(bob, 'message');

    const killedAt = Date.now();
    await cluster.redis.kill(channelMaster!);
    await Promise.all(cluster.nodes.map((node) => untilStatus(`${node.url}/health/ready`, 503, 5000)));
    const notReadyMs = Date.now() - killedAt;
    expect(JSON.stringify((await http(nodeB.url, 'GET', '/health/ready')).body)).toContain(`shard subscriber of 127.0.0.1:${channelMaster}`);
    // stored and acknowledged: its room's live channel is in the room's slot, on a shard that is up
    const missed = await requestOk(alice, 'message:send', { room, content: 'while the channel shard is down' });
    expect(alice.connected && bob.connected).toBe(true);

    const restartedAt = Date.now();
    await cluster.redis.restart(channelMaster!);
    await Promise.all(cluster.nodes.map((node) => untilStatus(`${node.url}/health/ready`, 200, RECOVERY_TIMEOUT_MS)));
    const readyMs = Date.now() - restartedAt;
    await exchangeLive(alice, bob, room);
    const caughtUpMs = Date.now() - restartedAt;
    // bob heard it live, in order, and nobody was disconnected
    expect(liveToBob.map((message) => message.id)).toContain(missed.id);
    expect(disconnects).toEqual([[], []]);
    expect(aliceFollows.joins.length + bobFollows.joins.length).toBe(2);

    console.log(
      `cluster master restart: readiness 503 on both nodes ${notReadyMs} ms after SIGKILL of the channel's master; ` +
        `after its restart: readiness 200 in ${readyMs} ms, live both ways in ${caughtUpMs} ms without a disconnect`,
    );
  }, 60_000);
});
