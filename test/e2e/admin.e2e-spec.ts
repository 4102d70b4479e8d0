import type { Socket } from 'socket.io-client';
import { collect, connect, connectError, disconnection, nextEvent, request, requestOk } from '../support/clients';
import { http } from '../support/http';
import { uniqueRoom, useCluster } from '../support/scenario';
import { makeToken } from '../support/tokens';

const adminToken = () => makeToken({ sub: 'root', roles: ['admin'] });

/** Every admin route of the contract, with a body it accepts. */
const ADMIN_ROUTES: [method: string, path: string, body: unknown][] = [
  ['GET', '/admin/rooms', undefined],
  ['GET', '/admin/rooms/general/presence', undefined],
  ['GET', '/admin/rooms/general/messages', undefined],
  ['DELETE', '/admin/rooms/general/messages/1-0', undefined],
  ['POST', '/admin/rooms/general/kick', { userId: 'alice' }],
  ['POST', '/admin/rooms/general/mute', { userId: 'alice', durationSec: 60 }],
  ['DELETE', '/admin/rooms/general/mute/alice', undefined],
  ['POST', '/admin/users/alice/ban', {}],
  ['DELETE', '/admin/users/alice/ban', undefined],
  ['POST', '/admin/users/alice/revoke-tokens', undefined],
  ['GET', '/admin/audit', undefined],
];

describe('admin moderation API across two nodes', () => {
  const cluster = useCluster(2);
  const nodeA = () => cluster.nodes[0].url;
  const nodeB = () => cluster.nodes[1].url;
  const admin = (method: string, path: string, body?: unknown) => http(nodeA(), method, path, { token: adminToken(), body });

  /** A user connected on `node` who joined `rooms`. */
  async function member(node: string, sub: string, rooms: string[], claims: { name?: string; iat?: number } = {}): Promise<Socket> {
    const socket = await connect(node, { token: makeToken({ sub, ...claims }) });
    for (const room of rooms) await requestOk(socket, 'room:join', { room });
    return socket;
  }

  describe('access', () => {
    it.each(ADMIN_ROUTES)('%s %s: 401 without a valid token, 403 without the admin role', async (method, path, body) => {
      const missing = await http(nodeA(), method, path, { body });
      expect(missing).toMatchObject({ status: 401, body: { statusCode: 401, error: 'Unauthorized', message: expect.any(String) } });
      const forged = await http(nodeA(), method, path, {
        body,
        token: makeToken({ sub: 'root', roles: ['admin'] }, { secret: 'another-secret-of-enough-length-0123456789' }),
      });
      expect(forged.status).toBe(401);
      const expired = await http(nodeA(), method, path, { body, token: makeToken({ sub: 'root', roles: ['admin'], exp: Math.floor(Date.now() / 1000) - 10 }) });
      expect(expired.status).toBe(401);
      const user = await http(nodeB(), method, path, { body, token: makeToken({ sub: 'mallory', roles: ['moderator'] }) });
      expect(user).toMatchObject({ status: 403, body: { statusCode: 403, error: 'Forbidden', message: expect.any(String) } });
    });
  });

  describe('validation', () => {
    const room = uniqueRoom('valid');
    beforeAll(async () => {
      const socket = await member(nodeA(), 'alice', [room]);
      socket.close();
    });

    const cases: [string, string, string, unknown, RegExp][] = [
      ['mute without durationSec', 'POST', `/mute`, { userId: 'alice' }, /durationSec/],
      ['mute for 0 s', 'POST', `/mute`, { userId: 'alice', durationSec: 0 }, /durationSec/],
      ['mute for 1.5 s', 'POST', `/mute`, { userId: 'alice', durationSec: 1.5 }, /durationSec/],
      ['mute with a string duration', 'POST', `/mute`, { userId: 'alice', durationSec: '60' }, /durationSec/],
      ['mute with an unknown field', 'POST', `/mute`, { userId: 'alice', durationSec: 60, admin: true }, /admin/],
      ['kick without userId', 'POST', `/kick`, { reason: 'x' }, /userId/],
      ['kick with a user id with spaces', 'POST', `/kick`, { userId: 'a b' }, /userId/],
      ['kick with an empty reason', 'POST', `/kick`, { userId: 'alice', reason: '' }, /reason/],
      ['kick with a too long reason', 'POST', `/kick`, { userId: 'alice', reason: 'x'.repeat(501) }, /reason/],
      ['kick with an array body', 'POST', `/kick`, [{ userId: 'alice' }], /object/],
      ['messages with limit 0', 'GET', `/messages?limit=0`, undefined, /limit/],
      ['messages with limit 101', 'GET', `/messages?limit=101`, undefined, /limit/],
      ['messages with a word as limit', 'GET', `/messages?limit=ten`, undefined, /limit/],
      ['messages before a malformed id', 'GET', `/messages?before=yesterday`, undefined, /before/],
      ['delete of a malformed message id', 'DELETE', `/messages/abc`, undefined, /messageId/],
    ];

    it.each(cases)('%s: 400 naming the field', async (_name, method, suffix, body, field) => {
      const response = await admin(method, `/admin/rooms/${room}${suffix}`, body);
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      expect(JSON.stringify(response.body.message)).toMatch(field);
    });

    it('answers 400 for a malformed room name, user id, ban body or audit query', async () => {
      for (const [method, path, body] of [
        ['GET', '/admin/rooms/has%20space/presence'],
        ['POST', `/admin/rooms/${'r'.repeat(129)}/kick`, { userId: 'alice' }],
        ['POST', '/admin/users/a%7Bb%7D/ban', {}],
        ['POST', '/admin/users/alice/ban', { durationSec: -5 }],
        ['POST', '/admin/users/alice/ban', { until: 'forever' }],
        ['GET', '/admin/audit?limit=500'],
        ['GET', '/admin/audit?before=latest'],
      ] as [string, string, unknown?][]) {
        const response = await admin(method, path, body);
        expect({ method, path, status: response.status }).toEqual({ method, path, status: 400 });
        expect(response.body.message).toEqual(expect.arrayContaining([expect.any(String)]));
      }
    });

    it('answers 400 for a body that is not JSON, and the mute did not happen', async () => {
      const response = await http(nodeA(), 'POST', `/admin/rooms/${room}/mute`, { token: adminToken(), rawBody: '{"userId":' });
      expect(response.status).toBe(400);
      const alice = await member(nodeB(), 'alice', [room]);
      expect(await requestOk(alice, 'message:send', { room, content: 'not muted' })).toMatchObject({ content: 'not muted' });
    });
  });

  describe('bans and revocations for users who never connected', () => {
    it('bans a user id before it ever connects, and revokes a token only ever used over REST', async () => {
      expect((await admin('POST', '/admin/users/stranger/ban', { reason: 'pre-emptive' })).status).toBe(204);
      expect((await connectError(nodeB(), { token: makeToken({ sub: 'stranger' }) })).data.code).toBe('banned');

      const leaked = makeToken({ sub: 'script-admin', roles: ['admin'] });
      expect((await http(nodeA(), 'GET', '/admin/rooms', { token: leaked })).status).toBe(200);
      expect((await admin('POST', '/admin/users/script-admin/revoke-tokens')).status).toBe(204);
      expect((await http(nodeB(), 'GET', '/admin/rooms', { token: leaked })).status).toBe(401);
    });
  });

  describe('unknown things are 404', () => {
    it('for a room nobody joined, a message the room does not have, a user nobody saw, and a lift of nothing', async () => {
      const room = uniqueRoom('known');
      const alice = await member(nodeA(), 'alice', [room]);
      const nowhere = uniqueRoom('nowhere');

      for (const [method, path, body] of [
        ['GET', `/admin/rooms/${nowhere}/presence`],
        ['GET', `/admin/rooms/${nowhere}/messages`],
        ['DELETE', `/admin/rooms/${nowhere}/messages/1-0`],
        ['POST', `/admin/rooms/${nowhere}/kick`, { userId: 'alice' }],
        ['POST', `/admin/rooms/${nowhere}/mute`, { userId: 'alice', durationSec: 60 }],
        ['DELETE', `/admin/rooms/${nowhere}/mute/alice`],
        ['DELETE', `/admin/rooms/${room}/messages/1-0`],
        ['POST', `/admin/rooms/${room}/kick`, { userId: 'ghost' }],
        ['POST', `/admin/rooms/${room}/mute`, { userId: 'ghost', durationSec: 60 }],
        ['DELETE', `/admin/rooms/${room}/mute/alice`],
        ['DELETE', '/admin/users/ghost/ban'],
        ['DELETE', '/admin/users/alice/ban'],
      ] as [string, string, unknown?][]) {
        const response = await admin(method, path, body);
        expect({ method, path, status: response.status }).toEqual({ method, path, status: 404 });
        expect(response.body).toMatchObject({ statusCode: 404, error: 'Not Found', message: expect.any(String) });
      }
      expect(await requestOk(alice, 'message:send', { room, content: 'still fine' })).toMatchObject({ room });
    });
  });

  describe('reading rooms', () => {
    it('lists rooms with distinct online users across nodes and the time of the last message', async () => {
      const busy = uniqueRoom('busy');
      const quiet = uniqueRoom('quiet');
      const alicePhone = await member(nodeA(), 'alice', [busy]);
      await member(nodeB(), 'alice', [busy]);
      await member(nodeB(), 'bob', [busy, quiet]);
      const last = await requestOk(alicePhone, 'message:send', { room: busy, content: 'latest' });

      const response = await http(nodeB(), 'GET', '/admin/rooms', { token: adminToken() });
      expect(response.status).toBe(200);
      const byRoom = new Map(response.body.map((summary: { room: string }) => [summary.room, summary]));
      expect(byRoom.get(busy)).toEqual({ room: busy, online: 2, lastMessageAt: last.createdAt });
      expect(byRoom.get(quiet)).toEqual({ room: quiet, online: 1, lastMessageAt: null });
    });

    it('serves presence grouped by user, counting connections on every node', async () => {
      const room = uniqueRoom();
      await member(nodeA(), 'alice', [room], { name: 'Alice' });
      await member(nodeB(), 'alice', [room], { name: 'Alice' });
      await member(nodeB(), 'bob', [room]);
      await member(nodeA(), 'carol', []);

      const response = await admin('GET', `/admin/rooms/${room}/presence`);
      expect(response.status).toBe(200);
      expect(response.body.users).toHaveLength(2);
      expect(response.body.users).toEqual(
        expect.arrayContaining([
          { userId: 'alice', name: 'Alice', connections: 2 },
          { userId: 'bob', name: null, connections: 1 },
        ]),
      );
    });

    it("pages a room's messages, oldest first", async () => {
      const room = uniqueRoom();
      const writer = await member(nodeB(), 'writer', [room]);
      const sent = [];
      for (let i = 0; i < 6; i++) sent.push(await requestOk(writer, 'message:send', { room, content: `m${i}` }));

      const latest = await admin('GET', `/admin/rooms/${room}/messages?limit=2`);
      expect(latest).toMatchObject({ status: 200, body: { messages: sent.slice(4) } });
      expect(latest.body.messages).toEqual(sent.slice(4));
      const older = await admin('GET', `/admin/rooms/${room}/messages?limit=3&before=${sent[4].id}`);
      expect(older.body.messages).toEqual(sent.slice(1, 4));
      const newer = await admin('GET', `/admin/rooms/${room}/messages?after=${sent[3].id}`);
      expect(newer.body.messages).toEqual(sent.slice(4));
      const all = await admin('GET', `/admin/rooms/${room}/messages`);
      expect(all.body.messages).toEqual(sent);
    });
  });

  describe('enforcement, observed on the other node', () => {
    it('deletes a message: 204, the room hears message:deleted, history drops it', async () => {
      const room = uniqueRoom();
      const alice = await member(nodeB(), 'alice', [room]);
      const bob = await member(nodeB(), 'bob', [room]);
      const doomed = await requestOk(alice, 'message:send', { room, content: 'spam' });

      const seen = nextEvent(bob, 'message:deleted');
      expect((await admin('DELETE', `/admin/rooms/${room}/messages/${doomed.id}`)).status).toBe(204);
      expect(await seen).toEqual({ room, messageId: doomed.id, by: 'root' });
      expect((await requestOk(bob, 'message:history', { room })).messages).toEqual([]);
      expect((await admin('DELETE', `/admin/rooms/${room}/messages/${doomed.id}`)).status).toBe(404);
    });

    it("kicks: the user's sockets in the room hear why, stop receiving it on every node, and may rejoin", async () => {
      const room = uniqueRoom('kick');
      const lobby = uniqueRoom('lobby');
      const alicePhone = await member(nodeB(), 'alice', [room, lobby]);
      const aliceLaptop = await member(nodeA(), 'alice', [room, lobby]);
      const aliceElsewhere = await member(nodeB(), 'alice', [lobby]);
      const bob = await member(nodeB(), 'bob', [room, lobby]);
      const elsewhereNotices = collect(aliceElsewhere, 'moderation');
      const phoneMessages = collect(alicePhone, 'message');
      const laptopMessages = collect(aliceLaptop, 'message');

      const phoneNotice = nextEvent(alicePhone, 'moderation');
      const laptopNotice = nextEvent(aliceLaptop, 'moderation');
      expect((await admin('POST', `/admin/rooms/${room}/kick`, { userId: 'alice', reason: 'off topic' })).status).toBe(204);
      expect(await phoneNotice).toEqual({ action: 'kicked', room, reason: 'off topic' });
      expect(await laptopNotice).toEqual({ action: 'kicked', room, reason: 'off topic' });

      await requestOk(bob, 'message:send', { room, content: 'after the kick' });
      const phoneBarrier = nextEvent(alicePhone, 'message', (message: { room: string }) => message.room === lobby);
      const laptopBarrier = nextEvent(aliceLaptop, 'message', (message: { room: string }) => message.room === lobby);
      const elsewhereBarrier = nextEvent(aliceElsewhere, 'message', (message: { room: string }) => message.room === lobby);
      await requestOk(bob, 'message:send', { room: lobby, content: 'barrier' });
      await Promise.all([phoneBarrier, laptopBarrier, elsewhereBarrier]);
      expect(phoneMessages.map((message) => message.content)).toEqual(['barrier']);
      expect(laptopMessages.map((message) => message.content)).toEqual(['barrier']);
      expect(elsewhereNotices).toEqual([]);
      expect(await request(aliceLaptop, 'message:send', { room, content: 'hello?' })).toMatchObject({ ok: false, error: { code: 'not_joined' } });

      await requestOk(aliceLaptop, 'room:join', { room });
      const back = nextEvent(bob, 'message');
      await requestOk(aliceLaptop, 'message:send', { room, content: 'back' });
      expect(await back).toMatchObject({ content: 'back', userId: 'alice' });
    });

    it('mutes: message:send answers muted on every node until unmuted, and the user is told both', async () => {
      const room = uniqueRoom('mute');
      const alicePhone = await member(nodeB(), 'alice', [room]);
      const aliceLaptop = await member(nodeA(), 'alice', [room]);
      const bob = await member(nodeB(), 'bob', [room]);

      const beforeMute = await requestOk(aliceLaptop, 'message:send', { room, content: 'said in time', clientMsgId: 'in-time' });
      const notice = nextEvent(alicePhone, 'moderation');
      const before = Date.now();
      expect((await admin('POST', `/admin/rooms/${room}/mute`, { userId: 'alice', durationSec: 600, reason: 'cool down' })).status).toBe(204);
      const muted = await notice;
      expect(muted).toEqual({ action: 'muted', room, reason: 'cool down', until: expect.any(Number) });
      expect(muted.until).toBeGreaterThanOrEqual(before + 600_000);

      for (const socket of [alicePhone, aliceLaptop]) {
        const refused = await request(socket, 'message:send', { room, content: 'let me speak' });
        expect(refused).toMatchObject({ ok: false, error: { code: 'muted', details: { until: expect.any(Number) } } });
        if (!refused.ok) expect(Math.abs(refused.error.details.until - muted.until)).toBeLessThan(5_000);
      }
      // an edit is a way to post too; a retry of what was stored before the mute is still answered as stored
      expect(await request(aliceLaptop, 'message:edit', { room, messageId: beforeMute.id, content: 'sneaky' })).toMatchObject({
        ok: false,
        error: { code: 'muted' },
      });
      expect(await requestOk(alicePhone, 'message:send', { room, content: 'said in time', clientMsgId: 'in-time' })).toEqual(beforeMute);
      expect(await requestOk(bob, 'message:send', { room, content: 'bob may' })).toMatchObject({ content: 'bob may' });
      expect((await requestOk(bob, 'message:history', { room })).messages.map((m: { content: string }) => m.content)).toEqual(['said in time', 'bob may']);

      const lifted = nextEvent(aliceLaptop, 'moderation');
      expect((await admin('DELETE', `/admin/rooms/${room}/mute/alice`)).status).toBe(204);
      expect(await lifted).toEqual({ action: 'unmuted', room });
      expect(await requestOk(alicePhone, 'message:send', { room, content: 'thanks' })).toMatchObject({ content: 'thanks' });
    });

    it('bans: both devices hear it and close, new connections are refused as banned on every node until unbanned', async () => {
      const room = uniqueRoom('ban');
      const phone = await member(nodeA(), 'alice', [room]);
      const laptop = await member(nodeB(), 'alice', [room]);
      const bob = await member(nodeB(), 'bob', [room]);

      const notices = [nextEvent(phone, 'moderation'), nextEvent(laptop, 'moderation')];
      const closed = [disconnection(phone), disconnection(laptop)];
      const before = Date.now();
      expect((await admin('POST', '/admin/users/alice/ban', { durationSec: 3600, reason: 'spam' })).status).toBe(204);
      for (const notice of await Promise.all(notices)) {
        expect(notice).toEqual({ action: 'banned', reason: 'spam', until: expect.any(Number) });
        expect(notice.until).toBeGreaterThanOrEqual(before + 3_600_000);
      }
      expect(await Promise.all(closed)).toEqual(['io server disconnect', 'io server disconnect']);

      for (const node of [nodeA(), nodeB()]) {
        const refused = await connectError(node, { token: makeToken({ sub: 'alice' }) });
        expect(refused.message).toBe('unauthorized');
        expect(refused.data).toMatchObject({ code: 'banned', message: expect.stringContaining('spam') });
      }
      expect(bob.connected).toBe(true);

      expect((await admin('DELETE', '/admin/users/alice/ban')).status).toBe(204);
      const again = await member(nodeB(), 'alice', [room]);
      expect(await requestOk(again, 'message:send', { room, content: 'I am back' })).toMatchObject({ userId: 'alice' });
    });

    it('lets a ban with a duration lapse by itself', async () => {
      (await member(nodeA(), 'shortban', [])).close();
      expect((await admin('POST', '/admin/users/shortban/ban', { durationSec: 1 })).status).toBe(204);
      expect((await connectError(nodeB(), { token: makeToken({ sub: 'shortban' }) })).data.code).toBe('banned');

      const deadline = Date.now() + 10_000;
      let admitted: Socket | undefined;
      while (!admitted && Date.now() < deadline) {
        admitted = await connect(nodeB(), { token: makeToken({ sub: 'shortban' }) }).catch(() => undefined);
        if (!admitted) await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(admitted?.connected).toBe(true);
    });

    it('revokes tokens: open sessions hear session revoked and close; the old token is refused, a newer one accepted', async () => {
      const issuedAt = Math.floor(Date.now() / 1000) - 5;
      const oldToken = makeToken({ sub: 'alice', iat: issuedAt });
      const laptop = await connect(nodeB(), { token: oldToken });
      const phone = await connect(nodeA(), { token: makeToken({ sub: 'alice', iat: issuedAt }) });

      const notices = [nextEvent(laptop, 'session'), nextEvent(phone, 'session')];
      const closed = [disconnection(laptop), disconnection(phone)];
      expect((await admin('POST', '/admin/users/alice/revoke-tokens')).status).toBe(204);
      expect(await Promise.all(notices)).toEqual([{ reason: 'revoked' }, { reason: 'revoked' }]);
      await Promise.all(closed);

      const refused = await connectError(nodeB(), { token: oldToken });
      expect(refused.data).toMatchObject({ code: 'token_revoked' });
      const newer = await connect(nodeB(), { token: makeToken({ sub: 'alice', iat: Math.floor(Date.now() / 1000) + 1 }) });
      expect(newer.connected).toBe(true);
    });
  });

  describe('OpenAPI', () => {
    it('lists every admin route at /docs-json with the bearer scheme and its error responses, and serves the UI at /docs', async () => {
      const { status, body: document } = await http(nodeA(), 'GET', '/docs-json');
      expect(status).toBe(200);
      expect(document.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
      for (const [method, path] of ADMIN_ROUTES) {
        const template = path
          .replace('/general/', '/{room}/')
          .replace(/\/1-0$/, '/{messageId}')
          .replace(/\/users\/alice\//, '/users/{userId}/')
          .replace(/\/mute\/alice$/, '/mute/{userId}');
        const operation = document.paths[template]?.[method.toLowerCase()];
        expect({ route: `${method} ${template}`, documented: Boolean(operation) }).toEqual({ route: `${method} ${template}`, documented: true });
        expect(operation.security).toEqual([{ bearer: [] }]);
        expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['401', '403', '429']));
        expect(Object.keys(operation.responses)).toContain('400');
      }
      expect(document.paths['/admin/rooms/{room}/mute'].post.requestBody.content['application/json'].schema.$ref).toMatch(/MuteDto$/);
      expect(document.components.schemas.MuteDto.required).toEqual(expect.arrayContaining(['userId', 'durationSec']));

      const ui = await fetch(`${nodeA()}/docs`);
      expect(ui.status).toBe(200);
      expect(await ui.text()).toContain('swagger');
    });
  });
});
