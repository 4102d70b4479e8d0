import { spawn } from 'node:child_process';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import WebSocket from 'ws';
import { connect, nextEvent, request, requestOk } from '../support/clients';
import { http } from '../support/http';
import { startNode } from '../support/nodes';
import { closeAllPlainClients, connectPlain, PlainClient, refusedUpgrade } from '../support/plain-websocket';
import { uniqueRoom, useCluster } from '../support/scenario';
import { makeToken } from '../support/tokens';

/** WS_PING_INTERVAL_MS of the one node the heartbeat test starts: short, so that a silent client is dropped soon. */
const PING_INTERVAL_MS = 300;
const MAX_CONNECTIONS_PER_USER = 3;
const ALLOWED_ORIGIN = 'http://app.example.com';
/** MESSAGE_MAX_LENGTH * 4 + 16 KiB, the frame limit of both transports. */
const MESSAGE_MAX_LENGTH = 1000;
const FRAME_LIMIT_BYTES = MESSAGE_MAX_LENGTH * 4 + 16 * 1024;
const EXAMPLE_CLIENT = join(__dirname, '..', '..', 'examples', 'ws_client.py');

const adminToken = () => makeToken({ sub: 'root', roles: ['admin'] });

/** The status line a node answers to an upgrade request for `target`, written by hand so that any target can be sent. */
function rawUpgrade(baseUrl: string, target: string): Promise<string> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = createConnection(Number(port), hostname, () =>
      socket.write(
        `GET ${target} HTTP/1.1\r\nHost: ${hostname}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
      ),
    );
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString()));
    socket.on('close', () => resolve(answer.split('\r\n')[0]));
    socket.on('error', reject);
  });
}

describe('plain WebSocket endpoint GET /ws, beside Socket.IO, across two nodes', () => {
  const cluster = useCluster(2, {
    MAX_CONNECTIONS_PER_USER: String(MAX_CONNECTIONS_PER_USER),
    CORS_ORIGINS: ALLOWED_ORIGIN,
    MESSAGE_MAX_LENGTH: String(MESSAGE_MAX_LENGTH),
  });
  const nodeA = () => cluster.nodes[0].url;
  const nodeB = () => cluster.nodes[1].url;
  afterEach(() => closeAllPlainClients());

  /** A `/ws` client of `sub` on `node` that joined `rooms`. */
  async function plainMember(node: string, sub: string, rooms: string[], claims: { name?: string } = {}): Promise<PlainClient> {
    const client = await connectPlain(node, { token: makeToken({ sub, ...claims }) });
    for (const room of rooms) await client.requestOk('room:join', { room });
    return client;
  }

  async function socketMember(node: string, sub: string, rooms: string[], claims: { name?: string } = {}) {
    const socket = await connect(node, { token: makeToken({ sub, ...claims }) });
    for (const room of rooms) await requestOk(socket, 'room:join', { room });
    return socket;
  }

  describe('the upgrade', () => {
    it('refuses a missing, malformed, forged or expired token with 401 and the contract code', async () => {
      const cases: [token: string | undefined, code: string][] = [
        [undefined, 'token_missing'],
        ['not-a-jwt', 'token_invalid'],
        [makeToken({ sub: 'alice' }, { secret: 'another-secret-of-enough-length-0123456789' }), 'token_invalid'],
        [makeToken({ sub: 'alice', exp: Math.floor(Date.now() / 1000) - 10 }), 'token_expired'],
      ];
      for (const [token, code] of cases) {
        const refusal = await refusedUpgrade(nodeA(), { token });
        expect(refusal).toMatchObject({ status: 401, body: { statusCode: 401, error: 'unauthorized', code, message: expect.any(String) } });
      }
    });

    it('refuses a banned user with 403 banned, and admits them again once the ban is lifted', async () => {
      const before = await connectPlain(nodeA(), { token: makeToken({ sub: 'banned-ws' }) });
      expect((await http(nodeA(), 'POST', '/admin/users/banned-ws/ban', { token: adminToken(), body: { reason: 'spam' } })).status).toBe(204);
      await before.closed;
      const refusal = await refusedUpgrade(nodeB(), { token: makeToken({ sub: 'banned-ws' }) });
      expect(refusal).toMatchObject({ status: 403, body: { code: 'banned', error: 'unauthorized' } });
      expect((await http(nodeA(), 'DELETE', '/admin/users/banned-ws/ban', { token: adminToken() })).status).toBe(204);
      const client = await connectPlain(nodeB(), { token: makeToken({ sub: 'banned-ws' }) });
      expect(client.isOpen).toBe(true);
    });

    it('takes the token from Authorization: Bearer as well as from ?token=', async () => {
      const client = await connectPlain(nodeA(), { token: makeToken({ sub: 'header-user' }), tokenInHeader: true });
      expect(await client.requestOk('presence:list', { room: uniqueRoom() })).toEqual({ users: [] });
    });

    it('applies the per-user connection limit across both transports and nodes: 429 with the reason', async () => {
      const token = () => makeToken({ sub: 'busy-ws' });
      await connect(nodeB(), { token: token() });
      await connectPlain(nodeA(), { token: token() });
      await connectPlain(nodeB(), { token: token() });
      const refusal = await refusedUpgrade(nodeA(), { token: token() });
      expect(refusal).toMatchObject({ status: 429, body: { error: 'rate_limited', code: 'rate_limited', reason: 'too_many_connections' } });
    });

    it("applies Socket.IO's origin policy: a browser page from another origin is refused, a listed one and non-browsers pass", async () => {
      const token = makeToken({ sub: 'origin-user' });
      const foreign = await refusedUpgrade(nodeA(), { token, headers: { origin: 'https://evil.example' } });
      expect(foreign).toMatchObject({ status: 403, body: { code: 'origin_not_allowed' } });
      const listed = await connectPlain(nodeA(), { token, headers: { origin: ALLOWED_ORIGIN } });
      expect(listed.isOpen).toBe(true);
    });

    it('answers upgrades on other paths with 404 and leaves Socket.IO on /socket.io/ working', async () => {
      const url = nodeA().replace(/^http/, 'ws');
      const status = await new Promise<number>((resolve, reject) => {
        const ws = new WebSocket(`${url}/elsewhere`);
        ws.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
        ws.once('open', () => reject(new Error('an unknown path was upgraded')));
        ws.once('error', () => undefined);
      });
      expect(status).toBe(404);
      for (const target of ['//', 'http://a b', '/ws?token=%E0%A4%A']) {
        expect(await rawUpgrade(nodeA(), target)).toMatch(/^HTTP\/1\.1 40[0-9] /);
      }
      const socket = await connect(nodeA(), { token: makeToken({ sub: 'sio-user' }) });
      expect(socket.connected).toBe(true);
    });

    it('counts /ws connections in /metrics: chat_connections{transport="plain-websocket"}', async () => {
      await connectPlain(nodeB(), { token: makeToken({ sub: 'metered' }) });
      const metrics = await fetch(`${nodeB()}/metrics`).then((response) => response.text());
      expect(metrics).toMatch(/^chat_connections\{transport="plain-websocket"\} [1-9]/m);
    });
  });

  describe('every client event through /ws, seen by Socket.IO clients on the other node', () => {
    it('join, send, edit, reactions, receipt, typing, history, delete, presence:list, leave', async () => {
      const room = uniqueRoom('all');
      const bob = await socketMember(nodeB(), 'bob', [room], { name: 'Bob' });
      const alice = await connectPlain(nodeA(), { token: makeToken({ sub: 'alice', name: 'Alice' }) });

      const bobHearsJoin = nextEvent(bob, 'presence', (event: any) => event.userId === 'alice' && event.status === 'joined');
      const joined = await alice.request('room:join', { room }, 1);
      expect(joined).toMatchObject({
        id: 1,
        ok: true,
        data: { room, messages: [], presence: expect.arrayContaining([{ userId: 'bob', name: 'Bob', connections: 1 }]) },
      });
      expect(await bobHearsJoin).toEqual({ room, userId: 'alice', name: 'Alice', status: 'joined' });

      const bobHearsMessage = nextEvent(bob, 'message');
      const sent = await alice.request('message:send', { room, content: 'hello from ws', clientMsgId: 'c-1' }, 'send-1');
      expect(sent).toMatchObject({ id: 'send-1', ok: true, data: { room, userId: 'alice', content: 'hello from ws', clientMsgId: 'c-1' } });
      const message = (sent as { data: { id: string } }).data;
      expect(await bobHearsMessage).toEqual(sent.ok && sent.data);

      const retried = await alice.requestOk('message:send', { room, content: 'hello from ws', clientMsgId: 'c-1' });
      expect(retried.id).toBe(message.id);

      const bobHearsEdit = nextEvent(bob, 'message:edited');
      expect(await alice.requestOk('message:edit', { room, messageId: message.id, content: 'edited' })).toMatchObject({
        content: 'edited',
        editedAt: expect.any(Number),
      });
      expect(await bobHearsEdit).toMatchObject({ id: message.id, content: 'edited' });

      const bobHearsReaction = nextEvent(bob, 'reaction');
      expect(await alice.requestOk('reaction:add', { room, messageId: message.id, emoji: '👍' })).toEqual({ messageId: message.id, reactions: { '👍': 1 } });
      expect(await bobHearsReaction).toMatchObject({ room, messageId: message.id, emoji: '👍', userId: 'alice', action: 'add' });
      expect(await alice.requestOk('reaction:remove', { room, messageId: message.id, emoji: '👍' })).toEqual({ messageId: message.id, reactions: {} });

      const bobHearsReceipt = nextEvent(bob, 'receipt');
      expect(await alice.requestOk('receipt:read', { room, messageId: message.id })).toEqual({});
      expect(await bobHearsReceipt).toEqual({ room, userId: 'alice', messageId: message.id });

      const bobHearsTyping = nextEvent(bob, 'typing');
      expect(await alice.requestOk('typing', { room, isTyping: true })).toEqual({});
      expect(await bobHearsTyping).toEqual({ room, userId: 'alice', isTyping: true });

      const history = await alice.requestOk('message:history', { room, limit: 10 });
      expect(history.messages.map((stored: { id: string }) => stored.id)).toEqual([message.id]);
      expect(await alice.requestOk('presence:list', { room })).toEqual({
        users: expect.arrayContaining([
          { userId: 'alice', name: 'Alice', connections: 1 },
          { userId: 'bob', name: 'Bob', connections: 1 },
        ]),
      });

      const bobHearsDeletion = nextEvent(bob, 'message:deleted');
      expect(await alice.requestOk('message:delete', { room, messageId: message.id })).toEqual({ room, messageId: message.id });
      expect(await bobHearsDeletion).toEqual({ room, messageId: message.id, by: 'alice' });

      const bobHearsLeave = nextEvent(bob, 'presence', (event: any) => event.userId === 'alice' && event.status === 'left');
      expect(await alice.requestOk('room:leave', { room })).toEqual({ room });
      await bobHearsLeave;
      expect(await alice.request('message:send', { room, content: 'gone' })).toMatchObject({ ok: false, error: { code: 'not_joined' } });
    });

    it('dm:send reaches both users on both transports; auth:refresh moves the session to a newer token', async () => {
      const carol = await connectPlain(nodeA(), { token: makeToken({ sub: 'carol' }) });
      const dave = await connect(nodeB(), { token: makeToken({ sub: 'dave' }) });
      const carolOtherDevice = await connectPlain(nodeB(), { token: makeToken({ sub: 'carol' }) });

      const daveHears = nextEvent(dave, 'message');
      const carolOtherHears = carolOtherDevice.next('message');
      const dm = await carol.requestOk('dm:send', { to: 'dave', content: 'psst' });
      expect(dm).toMatchObject({ room: 'dm:carol:dave', userId: 'carol', content: 'psst' });
      expect(await daveHears).toEqual(dm);
      expect(await carolOtherHears).toEqual(dm);

      const carolHearsReply = carol.next('message');
      const reply = await requestOk(dave, 'dm:send', { to: 'carol', content: 'hi' });
      expect(await carolHearsReply).toEqual(reply);

      const exp = Math.floor(Date.now() / 1000) + 7200;
      expect(await carol.requestOk('auth:refresh', { token: makeToken({ sub: 'carol', exp }) })).toEqual({ exp });
      expect(await carol.request('auth:refresh', { token: makeToken({ sub: 'mallory' }) })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    });

    it("answers exactly as the Socket.IO ack, with the client's id: validation errors name the field", async () => {
      const client = await connectPlain(nodeA(), { token: makeToken({ sub: 'validator' }) });
      const socket = await connect(nodeB(), { token: makeToken({ sub: 'validator' }) });
      const overWs = await client.request('room:join', { room: 'bad room!' }, 7);
      const overSocketIo = await request(socket, 'room:join', { room: 'bad room!' });
      expect(overWs).toEqual({ id: 7, ...overSocketIo });
      expect(overWs).toMatchObject({ ok: false, error: { code: 'validation_failed', details: { fields: { room: expect.any(Array) } } } });
    });
  });

  describe('mixed-transport rooms', () => {
    it('a /ws client on node A and a Socket.IO client on node B exchange messages, presence and typing both ways', async () => {
      const room = uniqueRoom('mixed');
      const wsUser = await plainMember(nodeA(), 'wendy', [room], { name: 'Wendy' });
      const wsPresence = wsUser.next('presence', (event) => event.userId === 'sam' && event.status === 'joined');
      const sioUser = await socketMember(nodeB(), 'sam', [room], { name: 'Sam' });
      expect(await wsPresence).toEqual({ room, userId: 'sam', name: 'Sam', status: 'joined' });

      const atWs = wsUser.next('message');
      const fromSio = await requestOk(sioUser, 'message:send', { room, content: 'from socket.io' });
      expect(await atWs).toEqual(fromSio);

      const atSio = nextEvent(sioUser, 'message');
      const fromWs = await wsUser.requestOk('message:send', { room, content: 'from ws' });
      expect(await atSio).toEqual(fromWs);

      const wsTyping = wsUser.next('typing');
      await requestOk(sioUser, 'typing', { room, isTyping: true });
      expect(await wsTyping).toEqual({ room, userId: 'sam', isTyping: true });
      const sioTyping = nextEvent(sioUser, 'typing');
      await wsUser.requestOk('typing', { room, isTyping: true });
      expect(await sioTyping).toEqual({ room, userId: 'wendy', isTyping: true });

      const sioPresence = nextEvent(sioUser, 'presence', (event: any) => event.userId === 'wendy' && event.status === 'left');
      wsUser.close();
      expect(await sioPresence).toEqual({ room, userId: 'wendy', name: 'Wendy', status: 'left' });
    });

    it('a message from a Socket.IO client reaches /ws clients on both nodes', async () => {
      const room = uniqueRoom('notify');
      const onA = await plainMember(nodeA(), 'nina', [room]);
      const onB = await plainMember(nodeB(), 'nils', [room]);
      const heard = [onA.next('message'), onB.next('message')];
      const sender = await socketMember(nodeA(), 'otto', [room]);
      const sent = await requestOk(sender, 'message:send', { room, content: 'to everyone' });
      expect(await Promise.all(heard)).toEqual([sent, sent]);
    });
  });

  describe('moderation reaches /ws clients', () => {
    it('a kick by the admin API takes the /ws client out of the room on another node, and it hears why', async () => {
      const room = uniqueRoom('kick');
      const victim = await plainMember(nodeB(), 'kicked-ws', [room]);
      const notice = victim.next('moderation');
      expect(
        (await http(nodeA(), 'POST', `/admin/rooms/${room}/kick`, { token: adminToken(), body: { userId: 'kicked-ws', reason: 'off topic' } })).status,
      ).toBe(204);
      expect(await notice).toEqual({ action: 'kicked', room, reason: 'off topic' });
      expect(await victim.request('message:send', { room, content: 'still here?' })).toMatchObject({ ok: false, error: { code: 'not_joined' } });
      expect(victim.isOpen).toBe(true);
    });

    it('a ban closes the /ws connection after the moderation notice (close 1000)', async () => {
      const victim = await plainMember(nodeB(), 'ban-ws', [uniqueRoom('ban')]);
      const events = victim.collect('moderation');
      expect((await http(nodeA(), 'POST', '/admin/users/ban-ws/ban', { token: adminToken(), body: { reason: 'abuse' } })).status).toBe(204);
      expect(await victim.closed).toEqual({ code: 1000, reason: '' });
      expect(events).toEqual([expect.objectContaining({ action: 'banned', reason: 'abuse' })]);
      await http(nodeA(), 'DELETE', '/admin/users/ban-ws/ban', { token: adminToken() });
    });

    it('a logout of the token ends its /ws session: session { reason: "logout" }, then close 1000', async () => {
      const token = makeToken({ sub: 'logout-ws' });
      const client = await connectPlain(nodeA(), { token });
      const farewell = client.next('session');
      expect((await http(nodeB(), 'POST', '/auth/logout', { token })).status).toBe(204);
      expect(await farewell).toEqual({ reason: 'logout' });
      expect((await client.closed).code).toBe(1000);
    });
  });

  describe('junk frames', () => {
    it('answers non-JSON, wrong shapes, unknown events and binary frames with validation_failed, and keeps serving', async () => {
      const client = await connectPlain(nodeA(), { token: makeToken({ sub: 'junk' }) });
      const cases: [frame: string | Buffer, binary: boolean, id: unknown, field: string][] = [
        ['not json', false, null, 'frame'],
        ['[1,2,3]', false, null, 'frame'],
        ['null', false, null, 'frame'],
        ['"room:join"', false, null, 'frame'],
        [JSON.stringify({ event: 'room:join', data: { room: 'x' } }), false, null, 'id'],
        [JSON.stringify({ id: { nested: true }, event: 'room:join' }), false, null, 'id'],
        [JSON.stringify({ id: 'x'.repeat(129), event: 'room:join' }), false, null, 'id'],
        [JSON.stringify({ id: 'a', data: {} }), false, 'a', 'event'],
        [JSON.stringify({ id: 'b', event: 42 }), false, 'b', 'event'],
        [JSON.stringify({ id: 'c', event: 'no:such:event' }), false, 'c', 'event'],
        [JSON.stringify({ id: 'd', event: 'disconnect' }), false, 'd', 'event'],
        [JSON.stringify({ id: 'e', event: 'connect' }), false, 'e', 'event'],
        [Buffer.from(JSON.stringify({ id: 'f', event: 'room:join', data: { room: 'x' } })), true, null, 'frame'],
      ];
      for (const [index, [frame, binary, id, field]] of cases.entries()) {
        const answer = id === null ? client.nextUnclaimedAnswer() : client.answerTo(id);
        client.sendRaw(frame, binary);
        expect(await answer).toMatchObject({ id, ok: false, error: { code: 'validation_failed', details: { fields: { [field]: expect.any(Array) } } } });
        // ten bad frames in a row close the connection: a valid request midway resets the count
        if (index === 6) await client.requestOk('presence:list', { room: uniqueRoom() });
      }
      expect(await client.request('room:join', undefined, 'no-data')).toMatchObject({ id: 'no-data', ok: false, error: { code: 'validation_failed' } });
      expect(await client.request('room:join', 'general', 0)).toMatchObject({ id: 0, ok: false, error: { code: 'validation_failed' } });
      expect(await client.requestOk('presence:list', { room: uniqueRoom() })).toEqual({ users: [] });
      expect(client.isOpen).toBe(true);
    });

    it('closes only the connection that sent a frame over the size limit, with 1009', async () => {
      const sender = await connectPlain(nodeA(), { token: makeToken({ sub: 'oversize' }) });
      const bystander = await connectPlain(nodeA(), { token: makeToken({ sub: 'bystander' }) });
      sender.sendRaw(JSON.stringify({ id: 1, event: 'message:send', data: { room: 'x', content: 'x'.repeat(FRAME_LIMIT_BYTES) } }));
      expect((await sender.closed).code).toBe(1009);
      expect(await bystander.requestOk('presence:list', { room: uniqueRoom() })).toEqual({ users: [] });
      const justUnder = await connectPlain(nodeA(), { token: makeToken({ sub: 'oversize' }) });
      expect(await justUnder.request('message:send', { room: 'x', content: 'x'.repeat(MESSAGE_MAX_LENGTH + 1) })).toMatchObject({ ok: false });
      expect(justUnder.isOpen).toBe(true);
    });
  });

  describe('heartbeat', () => {
    // the only test that needs the short ping: on every other connection of the file a 300 ms ping would drop a
    // client whose process a loaded machine starves for that long, failing tests that are not about pings
    it('drops a client that stops answering pings, and keeps one that answers', async () => {
      const pinging = await startNode({ REDIS_URL: cluster.redis.url, NODE_ID: 'node-pinging', WS_PING_INTERVAL_MS: String(PING_INTERVAL_MS) });
      try {
        const room = uniqueRoom('heartbeat');
        const watcher = await socketMember(nodeB(), 'watcher', [room]);
        const silent = await connectPlain(pinging.url, { token: makeToken({ sub: 'silent' }), autoPong: false });
        // it answers until it has joined: on a loaded machine the join can take longer than two pings
        let answersPings = true;
        silent.ws.on('ping', (data) => answersPings && silent.ws.pong(data));
        const lively = await connectPlain(pinging.url, { token: makeToken({ sub: 'lively' }) });
        await silent.requestOk('room:join', { room });

        answersPings = false;
        const silentLeft = nextEvent(watcher, 'presence', (event: any) => event.userId === 'silent' && event.status === 'left', 10 * PING_INTERVAL_MS);
        expect((await silent.closed).code).toBe(1006);
        await silentLeft;
        expect(silent.pingsReceived).toBeGreaterThanOrEqual(1);
        expect(lively.isOpen).toBe(true);
        expect(await lively.requestOk('presence:list', { room })).toEqual({ users: [expect.objectContaining({ userId: 'watcher' })] });
        // the ping that found silent unanswered went to lively too, before this answer on the same connection
        expect(lively.pingsReceived).toBeGreaterThanOrEqual(1);
      } finally {
        await pinging.stop('SIGKILL');
      }
    });
  });

  describe('graceful shutdown', () => {
    it('a draining node tells its /ws clients session { reason: "shutdown" }, then closes them with 1000', async () => {
      const draining = await startNode({ REDIS_URL: cluster.redis.url, NODE_ID: 'node-draining' });
      const client = await connectPlain(draining.url, { token: makeToken({ sub: 'drained' }) });
      const farewell = client.next('session');
      await draining.stop('SIGTERM');
      expect(await farewell).toEqual({ reason: 'shutdown' });
      expect((await client.closed).code).toBe(1000);
    });
  });
});

// The example as its users run it, with the default ping interval.
describe('examples/ws_client.py (python3-websocket) across two nodes', () => {
  const cluster = useCluster(2);
  const nodeA = () => cluster.nodes[0].url;
  const nodeB = () => cluster.nodes[1].url;

  it('connects, joins, sends, and prints the events it receives', async () => {
    const room = uniqueRoom('python');
    const peer = await connect(nodeB(), { token: makeToken({ sub: 'peer' }) });
    await requestOk(peer, 'room:join', { room });
    const peerHears = nextEvent(peer, 'message', (message: any) => message.userId === 'py');
    const wsUrl = `${nodeA().replace(/^http/, 'ws')}/ws`;
    // Debian's interpreter, which has python3-websocket
    const child = spawn(
      '/usr/bin/python3',
      [EXAMPLE_CLIENT, '--url', wsUrl, '--token', makeToken({ sub: 'py' }), '--room', room, '--send', 'hello from python', '--seconds', '20'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    const printed = (pattern: RegExp) =>
      new Promise<void>((resolve, reject) => {
        const check = () => pattern.test(output) && resolve();
        child.stdout.on('data', (chunk: Buffer) => ((output += chunk.toString()), check()));
        child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
        child.once('exit', (code) => reject(new Error(`ws_client.py exited (${code}) before printing ${pattern}:\n${output}`)));
        check();
      });
    try {
      expect(await peerHears).toMatchObject({ room, userId: 'py', content: 'hello from python' });
      await printed(/"ok": true.*"content": "hello from python"/);
      await requestOk(peer, 'message:send', { room, content: 'hello back' });
      // live, or in the join's catch-up when the join was answered after it (the example sends without waiting for it)
      await printed(/"content": "hello back"/);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
