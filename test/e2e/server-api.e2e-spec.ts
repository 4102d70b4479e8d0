import type { Socket } from 'socket.io-client';
import { collect, connect, disconnection, nextEvent, requestOk, roundTrip } from '../support/clients';
import { http } from '../support/http';
import { startNode, timeoutForNodeStarts } from '../support/nodes';
import { closeAllPlainClients, connectPlain } from '../support/plain-websocket';
import { uniqueRoom, useCluster } from '../support/scenario';
import { makeToken } from '../support/tokens';

const API_KEY = 'k3y-for-the-server-api-end-to-end-tests-0123456789';
const OTHER_KEY = 'another-key-for-the-server-api-tests-abcdefghij';
const SERVICE_TOKEN = makeToken({ sub: 'billing-service', roles: ['service'] });
const ADMIN_TOKEN = makeToken({ sub: 'root', roles: ['admin'] });
/** The timeout of a test that starts a node of its own: that start, and 20 s of work. */
const EXTRA_NODE_TIMEOUT_MS = timeoutForNodeStarts(1, 20_000);

/** Two nodes on one Redis; services call node 1 or node 2, clients sit on either. */
describe('server API: /server for backend services', () => {
  const scenario = useCluster(2, { SERVER_API_KEYS: `${API_KEY},${OTHER_KEY}` });
  const node = (index: number) => scenario.nodes[index].url;

  const asService = (method: string, path: string, body?: unknown, index = 0) => http(node(index), method, path, { token: SERVICE_TOKEN, body });
  afterEach(() => closeAllPlainClients());

  const withKey = (key: string, method: string, path: string, body?: unknown) => http(node(0), method, path, { headers: { 'x-api-key': key }, body });

  /**
   * Resolves once `listener` heard a marker published to `room` through node `index` after everything before it:
   * a room's messages reach every member in one order, so whatever was published to the room before has arrived
   * by then. (A round trip on the listener's own node orders nothing that another node published.)
   */
  async function afterEarlierMessages(listener: Socket, room: string, index = 0): Promise<void> {
    const content = `marker ${uniqueRoom('marker')}`;
    const heard = nextEvent(listener, 'message', (message: { room: string; content: string }) => message.room === room && message.content === content);
    expect((await asService('POST', `/server/rooms/${room}/messages`, { content }, index)).status).toBe(201);
    await heard;
  }
  const withoutMarkers = (messages: { content: string }[]) => messages.filter((message) => !message.content.startsWith('marker '));

  async function member(index: number, userId: string, rooms: string[] = []): Promise<Socket> {
    const socket = await connect(node(index), { token: makeToken({ sub: userId, name: userId.toUpperCase() }) });
    for (const room of rooms) await requestOk(socket, 'room:join', { room });
    return socket;
  }

  describe('credentials', () => {
    const path = () => `/server/rooms/${uniqueRoom('auth')}/messages`;

    it('answers 401 without credentials, with an unknown or short API key, and with an invalid token', async () => {
      expect((await http(node(0), 'POST', path(), { body: { content: 'hi' } })).status).toBe(401);
      expect((await withKey('x'.repeat(48), 'POST', path(), { content: 'hi' })).status).toBe(401);
      expect((await withKey(API_KEY.slice(0, 10), 'POST', path(), { content: 'hi' })).status).toBe(401);
      expect((await http(node(0), 'POST', path(), { token: 'not-a-jwt', body: { content: 'hi' } })).status).toBe(401);
    });

    it('answers 403 to a valid user token without the service or admin role', async () => {
      const answer = await http(node(0), 'POST', path(), { token: makeToken({ sub: 'alice' }), body: { content: 'hi' } });
      expect(answer.status).toBe(403);
      expect(answer.body.message).toMatch(/service or admin/);
    });

    it('accepts a service token, an admin token and each configured API key', async () => {
      expect((await asService('POST', path(), { content: 'by a service' })).status).toBe(201);
      expect((await http(node(0), 'POST', path(), { token: ADMIN_TOKEN, body: { content: 'by an admin' } })).status).toBe(201);
      expect((await withKey(API_KEY, 'POST', path(), { content: 'by key one' })).status).toBe(201);
      expect((await withKey(OTHER_KEY, 'POST', path(), { content: 'by key two' })).status).toBe(201);
    });

    it('records every call that changes something in the audit trail with the token subject or the key prefix as actor, and no read', async () => {
      const room = uniqueRoom('audited');
      await asService('POST', `/server/rooms/${room}/messages`, { content: 'audited' });
      await withKey(API_KEY, 'GET', '/server/users/audited-user/presence');
      await withKey(API_KEY, 'POST', '/server/users/audited-user/disconnect', {});
      const trail = async (actor: string) =>
        (await http(node(1), 'GET', `/admin/audit?actor=${encodeURIComponent(actor)}&limit=100`, { token: ADMIN_TOKEN })).body.entries as any[];
      expect((await trail('billing-service')).find((entry) => entry.target.room === room)).toMatchObject({
        action: 'server.message.publish',
        details: { content: 'audited' },
      });
      expect((await trail(`apikey:${API_KEY.slice(0, 6)}`)).filter((entry) => entry.target.userId === 'audited-user')).toEqual([
        expect.objectContaining({ action: 'server.disconnect' }),
      ]);
    });
  });

  it('documents every route in the OpenAPI description with both credentials and the refusals', async () => {
    const { body: document } = await http(node(0), 'GET', '/docs-json');
    expect(document.components.securitySchemes['api-key']).toMatchObject({ type: 'apiKey', in: 'header', name: 'X-API-Key' });
    const routes = [
      ['post', '/server/rooms/{room}/messages', '201'],
      ['post', '/server/broadcast', '201'],
      ['post', '/server/users/{userId}/notify', '202'],
      ['get', '/server/users/{userId}/presence', '200'],
      ['post', '/server/users/{userId}/disconnect', '204'],
    ];
    for (const [method, path, success] of routes) {
      const operation = document.paths[path]?.[method];
      expect({ path, documented: Boolean(operation) }).toEqual({ path, documented: true });
      expect(operation.security).toEqual(expect.arrayContaining([{ bearer: [] }, { 'api-key': [] }]));
      expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining([success, '400', '401', '403']));
    }
    expect(document.paths['/server/users/{userId}/notify'].post.responses['413']).toBeDefined();
  });

  describe('POST /server/rooms/:room/messages', () => {
    it('stores the message and delivers it once to a client of the room on another node', async () => {
      const room = uniqueRoom('publish');
      const listener = await member(1, 'listener-1', [room]);
      const heard = collect(listener, 'message');
      const arrival = nextEvent(listener, 'message');
      const answer = await asService('POST', `/server/rooms/${room}/messages`, { content: 'deploy finished', name: 'CI' }, 0);
      expect(answer.status).toBe(201);
      expect(answer.body).toEqual({
        id: expect.stringMatching(/^\d+-\d+$/),
        room,
        userId: 'system',
        name: 'CI',
        content: 'deploy finished',
        createdAt: expect.any(Number),
      });
      expect(await arrival).toEqual(answer.body);
      await afterEarlierMessages(listener, room, 0);
      expect(withoutMarkers(heard)).toEqual([answer.body]);
      const history = await requestOk(listener, 'message:history', { room });
      expect(withoutMarkers(history.messages)).toEqual([answer.body]);
    });

    it('answers a retry with the same clientMsgId and userId with the stored message and stores nothing', async () => {
      const room = uniqueRoom('retry');
      const listener = await member(1, 'listener-2', [room]);
      const heard = collect(listener, 'message');
      const body = { content: 'once', userId: 'bot-7', clientMsgId: 'order-42' };
      const first = await asService('POST', `/server/rooms/${room}/messages`, body, 0);
      const retry = await asService('POST', `/server/rooms/${room}/messages`, body, 1);
      expect(first.status).toBe(201);
      expect(retry.status).toBe(201);
      expect(retry.body).toEqual(first.body);
      expect(first.body).toMatchObject({ userId: 'bot-7', clientMsgId: 'order-42' });
      // through each node that answered: had either published the message again, it would have come before
      await afterEarlierMessages(listener, room, 0);
      await afterEarlierMessages(listener, room, 1);
      expect(withoutMarkers(heard)).toEqual([first.body]);
      expect(withoutMarkers((await requestOk(listener, 'message:history', { room })).messages)).toEqual([first.body]);
    });

    it('applies the rules of a client send: room name, content length, reply target', async () => {
      const room = uniqueRoom('rules');
      expect((await asService('POST', '/server/rooms/bad%20room/messages', { content: 'x' })).status).toBe(400);
      expect((await asService('POST', `/server/rooms/${room}/messages`, {})).status).toBe(400);
      expect((await asService('POST', `/server/rooms/${room}/messages`, { content: 'x', userId: 'has space' })).status).toBe(400);
      expect((await asService('POST', `/server/rooms/${room}/messages`, { content: 'x', extra: 1 })).status).toBe(400);
      const tooLong = await asService('POST', `/server/rooms/${room}/messages`, { content: 'x'.repeat(4001) });
      expect(tooLong.status).toBe(413);
      expect(tooLong.body.code).toBe('payload_too_large');
      expect((await asService('POST', `/server/rooms/${room}/messages`, { content: 'x', replyTo: '1-0' })).status).toBe(404);
      const observer = await member(0, 'observer-rules');
      expect((await requestOk(observer, 'message:history', { room })).messages).toEqual([]);
    });

    it('reaches /ws clients and Socket.IO clients of the room on both nodes alike', async () => {
      const room = uniqueRoom('publish-ws');
      const plain = await connectPlain(node(1), { token: makeToken({ sub: 'plain-listener' }) });
      await plain.requestOk('room:join', { room });
      const socketListener = await member(0, 'socket-listener', [room]);
      const heard = [plain.next('message'), nextEvent(socketListener, 'message')];
      const answer = await asService('POST', `/server/rooms/${room}/messages`, { content: 'to both transports' }, 0);
      expect(answer.status).toBe(201);
      expect(await Promise.all(heard)).toEqual([answer.body, answer.body]);
    });
  });

  describe('POST /server/broadcast', () => {
    it('stores one message per room and delivers each to its room on every node', async () => {
      const rooms = [uniqueRoom('bc'), uniqueRoom('bc'), uniqueRoom('bc')];
      const onFirst = await member(0, 'bc-a', [rooms[0]]);
      const onSecond = await member(1, 'bc-b', [rooms[1], rooms[2]]);
      const heardSecond = collect(onSecond, 'message');
      const arrivalOnFirst = nextEvent(onFirst, 'message');
      const answer = await asService('POST', '/server/broadcast', { rooms, content: 'maintenance at noon', clientMsgId: 'mnt-1' });
      expect(answer.status).toBe(201);
      expect(answer.body.messages.map((message: any) => message.room)).toEqual(rooms);
      expect(await arrivalOnFirst).toEqual(answer.body.messages[0]);
      for (const room of [rooms[1], rooms[2]]) await afterEarlierMessages(onSecond, room, 0);
      expect(withoutMarkers(heardSecond)).toEqual(expect.arrayContaining(answer.body.messages.slice(1)));
      expect(withoutMarkers(heardSecond)).toHaveLength(2);

      const retry = await asService('POST', '/server/broadcast', { rooms, content: 'maintenance at noon', clientMsgId: 'mnt-1' });
      expect(retry.body.messages).toEqual(answer.body.messages);
    });

    it('refuses no rooms, more than 100, repeated or invalid names', async () => {
      const many = Array.from({ length: 101 }, (_, i) => `r-${i}`);
      for (const rooms of [[], many, ['a', 'a'], ['bad room'], 'general']) {
        expect((await asService('POST', '/server/broadcast', { rooms, content: 'x' })).status).toBe(400);
      }
    });
  });

  describe('users', () => {
    it('notifies every live connection of the user on both nodes and counts them; nothing for an offline user', async () => {
      const sockets = [await member(0, 'notified'), await member(1, 'notified'), await member(1, 'notified')];
      const bystander = await member(0, 'bystander');
      const heardByBystander = collect(bystander, 'notification');
      const arrivals = sockets.map((socket) => nextEvent(socket, 'notification'));
      const answer = await asService('POST', '/server/users/notified/notify', { type: 'invoice.paid', data: { invoiceId: 'inv-42', amount: 12.5 } });
      expect(answer.status).toBe(202);
      expect(answer.body).toEqual({ connections: 3 });
      for (const notification of await Promise.all(arrivals)) {
        expect(notification).toEqual({ type: 'invoice.paid', data: { invoiceId: 'inv-42', amount: 12.5 }, at: expect.any(Number) });
      }
      await roundTrip(bystander);
      expect(heardByBystander).toEqual([]);
      expect((await asService('POST', '/server/users/nobody-here/notify', { type: 'x', data: null })).body).toEqual({ connections: 0 });
    });

    it('refuses a bad type, missing data, and data over 16 KiB', async () => {
      expect((await asService('POST', '/server/users/u1/notify', { type: 'has space', data: 1 })).status).toBe(400);
      expect((await asService('POST', '/server/users/u1/notify', { type: 'x'.repeat(65), data: 1 })).status).toBe(400);
      expect((await asService('POST', '/server/users/u1/notify', { type: 'ok' })).status).toBe(400);
      const large = await asService('POST', '/server/users/u1/notify', { type: 'ok', data: 'x'.repeat(17 * 1024) });
      expect(large.status).toBe(413);
      expect((await asService('POST', '/server/users/u1/notify', { type: 'ok', data: 'x'.repeat(16 * 1024 - 2) })).status).toBe(202);
    });

    it(
      'reports presence across nodes and heals when a node is SIGKILLed',
      async () => {
        const extra = await startNode({ REDIS_URL: scenario.redis.url, NODE_ID: 'doomed-node' });
        await member(0, 'roaming');
        await connect(extra.url, { token: makeToken({ sub: 'roaming' }) });
        await connectPlain(node(1), { token: makeToken({ sub: 'roaming' }) });
        const before = await asService('GET', '/server/users/roaming/presence', undefined, 1);
        expect(before.status).toBe(200);
        expect(before.body.online).toBe(true);
        const byNode = (connections: any[]) => connections.map((c) => `${c.nodeId} ${c.transport}`).sort();
        expect(byNode(before.body.connections)).toEqual(['doomed-node socket.io', 'node-1 socket.io', 'node-2 websocket']);
        for (const connection of before.body.connections) {
          expect(connection).toEqual({ nodeId: expect.any(String), connectedAt: expect.any(Number), transport: expect.any(String) });
          expect(Date.now() - connection.connectedAt).toBeLessThan(60_000);
        }

        await extra.stop('SIGKILL');
        const after = await asService('GET', '/server/users/roaming/presence', undefined, 1);
        expect(byNode(after.body.connections)).toEqual(['node-1 socket.io', 'node-2 websocket']);
        expect((await asService('GET', '/server/users/never-seen/presence')).body).toEqual({ userId: 'never-seen', online: false, connections: [] });
      },
      EXTRA_NODE_TIMEOUT_MS,
    );

    it('disconnects every connection of the user on every node with session "disconnected"; the user may reconnect', async () => {
      const sockets = [await member(0, 'leaving'), await member(1, 'leaving')];
      const notices = sockets.map((socket) => nextEvent(socket, 'session'));
      const closed = sockets.map((socket) => disconnection(socket));
      expect((await asService('POST', '/server/users/leaving/disconnect', { reason: 'account suspended' })).status).toBe(204);
      expect(await Promise.all(notices)).toEqual([{ reason: 'disconnected' }, { reason: 'disconnected' }]);
      await Promise.all(closed);
      expect((await asService('GET', '/server/users/leaving/presence')).body.online).toBe(false);
      await member(1, 'leaving');
      expect((await asService('GET', '/server/users/leaving/presence')).body.online).toBe(true);
      expect((await asService('POST', '/server/users/leaving/disconnect', { reason: 7 })).status).toBe(400);
    });
  });
});
