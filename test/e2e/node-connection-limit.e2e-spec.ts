import Redis from 'ioredis';
import type { Socket } from 'socket.io-client';
import { connect, connectError, requestOk } from '../support/clients';
import { untilTrue } from '../support/condition';
import { http } from '../support/http';
import { closeAllPlainClients, connectPlain, PlainClient, refusedUpgrade } from '../support/plain-websocket';
import { PollingClient } from '../support/polling';
import { uniqueRoom, useCluster } from '../support/scenario';
import { makeToken } from '../support/tokens';

const LIMIT = 20;
const API_KEY = 'node-limit-key-for-the-server-api-0123456789';

/** A node that holds at most 20 connections, Socket.IO and /ws together; a second node on the same Redis has room. */
describe('MAX_CONNECTIONS_PER_NODE', () => {
  const cluster = useCluster(2, { MAX_CONNECTIONS_PER_NODE: String(LIMIT), SERVER_API_KEYS: API_KEY, HANDSHAKE_LIMIT_PER_IP: '100000' });
  const full = () => cluster.nodes[0].url;
  afterEach(() => closeAllPlainClients());

  const gauge = async (name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(await (await fetch(`${full()}/metrics`)).text())?.[1]);
  const untilOpen = (count: number) => untilTrue(async () => (await gauge('chat_connections_open')) === count, `chat_connections_open ${count}`);

  it('refuses the 21st connection of either kind before any Redis work, keeps health and the server API answering, and admits again once one leaves', async () => {
    const sockets: Socket[] = [];
    const plains: PlainClient[] = [];
    for (let i = 0; i < LIMIT / 2; i++) {
      sockets.push(await connect(full(), { token: makeToken({ sub: `sio-${i}` }) }));
      plains.push(await connectPlain(full(), { token: makeToken({ sub: `ws-${i}` }) }));
    }
    expect(await gauge('chat_connections_open')).toBe(LIMIT);
    expect(await gauge('chat_connections_limit')).toBe(LIMIT);

    const refused = await connectError(full(), { token: makeToken({ sub: 'one-too-many' }) });
    expect(refused.message).toBe('unavailable');
    expect(refused.data).toEqual({ code: 'unavailable', reason: 'node_full', message: expect.any(String) });
    const refusedWs = await refusedUpgrade(full(), { token: makeToken({ sub: 'one-too-many-ws' }) });
    expect(refusedWs).toMatchObject({ status: 503, body: { statusCode: 503, code: 'unavailable', reason: 'node_full' } });
    // refused before the pipeline: the users got no connection lease, nor anything else
    const redis = new Redis(cluster.redis.url);
    try {
      expect(await redis.keys('*one-too-many*')).toEqual([]);
    } finally {
      redis.disconnect();
    }
    // an invalid token is refused the same way: the node spends no verification on it either
    expect((await connectError(full(), { token: 'not-a-token' })).message).toBe('unavailable');
    // the node closes a refused client's connection itself, rather than let it hold a descriptor
    const lingering = await PollingClient.open(full());
    await lingering.send(`0/chat,{"token":"${makeToken({ sub: 'lingering' })}"}`);
    expect(await lingering.pollUntilClosed()).toEqual([expect.stringMatching(/^4\/chat,\{"message":"unavailable"/)]);

    // at the limit, the node still answers its probes and the server API
    expect((await fetch(`${full()}/health/ready`)).status).toBe(200);
    expect((await fetch(`${full()}/health/live`)).status).toBe(200);
    expect(await http(full(), 'GET', '/server/users/sio-0/presence', { headers: { 'x-api-key': API_KEY } })).toMatchObject({
      status: 200,
      body: { online: true },
    });
    const room = uniqueRoom('full');
    await requestOk(sockets[0], 'room:join', { room });
    expect(
      await http(full(), 'POST', `/server/rooms/${room}/messages`, { headers: { 'x-api-key': API_KEY }, body: { content: 'still served' } }),
    ).toMatchObject({ status: 201 });
    // the rest of the cluster is not full
    expect((await connect(cluster.nodes[1].url, { token: makeToken({ sub: 'elsewhere' }) })).connected).toBe(true);

    sockets.pop()?.disconnect();
    await untilOpen(LIMIT - 1);
    const admittedWs = await connectPlain(full(), { token: makeToken({ sub: 'ws-after' }) });
    expect(await admittedWs.requestOk('presence:list', { room })).toMatchObject({ users: [expect.objectContaining({ userId: 'sio-0' })] });
    expect((await connectError(full(), { token: makeToken({ sub: 'full-again' }) })).message).toBe('unavailable');

    plains.pop()?.close();
    await untilOpen(LIMIT - 1);
    expect((await connect(full(), { token: makeToken({ sub: 'sio-after' }) })).connected).toBe(true);
    expect(await gauge('chat_connections_open')).toBe(LIMIT);
  });
});
