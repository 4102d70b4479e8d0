import { connect, connectError, disconnection, nextEvent, request, requestOk } from '../support/clients';
import { startCluster, stopAll, TestNode } from '../support/nodes';
import { startRedisCluster, TestRedisCluster } from '../support/redis-cluster';
import { makeToken } from '../support/tokens';

describe('on Redis Cluster (REDIS_CLUSTER_NODES, sharded pub/sub)', () => {
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

  it('is ready and delivers across nodes in many rooms, whichever shard each room lands on', async () => {
    expect((await fetch(`${nodes[0].url}/health/ready`)).status).toBe(200);
    const alice = await connect(nodes[0].url, { token: makeToken({ sub: 'alice' }) });
    const bob = await connect(nodes[1].url, { token: makeToken({ sub: 'bob' }) });
    const rooms = Array.from({ length: 12 }, (_, i) => `cluster-room-${i}`);
    for (const room of rooms) {
      await requestOk(alice, 'room:join', { room });
      await requestOk(bob, 'room:join', { room });
    }
    for (const room of rooms) {
      const arrived = nextEvent(bob, 'message', (message: { room: string }) => message.room === room);
      const stored = await requestOk(alice, 'message:send', { room, content: `hello ${room}`, clientMsgId: `k-${room}` });
      expect(await arrived).toEqual(stored);
      expect(await requestOk(alice, 'message:send', { room, content: `hello ${room}`, clientMsgId: `k-${room}` })).toEqual(stored);
      const edited = await requestOk(alice, 'message:edit', { room, messageId: stored.id, content: 'edited' });
      expect((await requestOk(bob, 'message:history', { room })).messages).toEqual([edited]);
      const rejoin = await requestOk(bob, 'room:join', { room, since: '0-1' });
      expect(rejoin.messages).toEqual([edited]);
    }
    expect(await request(alice, 'message:delete', { room: rooms[0], messageId: '1-1' })).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });

  it("ends a logged-out token's session on the other node", async () => {
    const token = makeToken({ sub: 'carol' });
    const socket = await connect(nodes[1].url, { token });
    const told = nextEvent(socket, 'session');
    const closed = disconnection(socket);
    expect((await fetch(`${nodes[0].url}/auth/logout`, { method: 'POST', headers: { Authorization: `Bearer ${token}` } })).status).toBe(204);
    expect(await told).toEqual({ reason: 'logout' });
    await closed;
    expect((await connectError(nodes[1].url, { token })).data.code).toBe('token_revoked');
  });
});
