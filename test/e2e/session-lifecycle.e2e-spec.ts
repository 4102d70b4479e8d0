import Redis from 'ioredis';
import type { Socket } from 'socket.io-client';
import { collect, connect, connectError, nextEvent, request, requestOk } from '../support/clients';
import { uniqueRoom, useCluster } from '../support/scenario';
import { makeToken } from '../support/tokens';

const nowSec = () => Math.floor(Date.now() / 1000);
/** Timers and clocks may disagree by a few milliseconds; a session never ends a meaningful time before exp. */
const CLOCK_SLACK_MS = 50;

/** Time passing is the subject here: waits until the wall clock is `ms` past `atMs`. */
function untilClock(atMs: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, atMs - Date.now())));
}

/** The order in which `session` and `disconnect` reach the client. */
function endOfSession(socket: Socket): Promise<{ events: string[]; session: unknown; reason: string; at: number }> {
  const events: string[] = [];
  let session: unknown;
  socket.once('session', (payload: unknown) => {
    events.push('session');
    session = payload;
  });
  return new Promise((resolve) =>
    socket.once('disconnect', (reason) => {
      events.push('disconnect');
      resolve({ events, session, reason, at: Date.now() });
    }),
  );
}

describe('session lifecycle: a session lasts as long as its token', () => {
  // long command timeout: one test holds Redis paused for a moment on purpose
  const cluster = useCluster(2, { REDIS_COMMAND_TIMEOUT_MS: '10000' });
  const nodeA = () => cluster.nodes[0].url;
  const nodeB = () => cluster.nodes[1].url;

  it('ends the session when its token expires: session {reason: "expired"}, then a disconnect', async () => {
    const exp = nowSec() + 2;
    const token = makeToken({ sub: 'alice', exp });
    const alice = await connect(nodeA(), { token });
    const ended = endOfSession(alice);

    const { events, session, reason, at } = await ended;
    expect(events).toEqual(['session', 'disconnect']);
    expect(session).toEqual({ reason: 'expired' });
    expect(reason).toBe('io server disconnect');
    expect(at).toBeGreaterThanOrEqual(exp * 1000 - CLOCK_SLACK_MS);
    expect((await connectError(nodeA(), { token })).data).toMatchObject({ code: 'token_expired' });
  });

  it('keeps a session whose client sent auth:refresh with a valid token for the same user before exp', async () => {
    const exp = nowSec() + 2;
    const alice = await connect(nodeA(), { token: makeToken({ sub: 'alice', exp }) });
    const sessionEvents = collect(alice, 'session');
    const longer = nowSec() + 3600;

    expect(await requestOk(alice, 'auth:refresh', { token: makeToken({ sub: 'alice', exp: longer }) })).toEqual({ exp: longer });
    await untilClock(exp * 1000 + 1000);

    const room = uniqueRoom('refreshed');
    await requestOk(alice, 'room:join', { room });
    expect(await requestOk(alice, 'message:send', { room, content: 'still here' })).toMatchObject({ userId: 'alice' });
    expect(sessionEvents).toEqual([]);
    expect(alice.connected).toBe(true);
  });

  it("refuses a refresh with another user's token as forbidden; the session keeps its user and its expiry", async () => {
    const exp = nowSec() + 2;
    const alice = await connect(nodeA(), { token: makeToken({ sub: 'alice', exp }) });
    const ended = endOfSession(alice);

    const refused = await request(alice, 'auth:refresh', { token: makeToken({ sub: 'mallory', exp: nowSec() + 3600 }) });
    expect(refused).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const room = uniqueRoom('not-mallory');
    await requestOk(alice, 'room:join', { room });
    expect(await requestOk(alice, 'message:send', { room, content: 'who am I' })).toMatchObject({ userId: 'alice' });

    const { session, at } = await ended;
    expect(session).toEqual({ reason: 'expired' });
    expect(at).toBeGreaterThanOrEqual(exp * 1000 - CLOCK_SLACK_MS);
  });

  it('refuses a refresh with an invalid, expired, revoked or malformed token and changes nothing', async () => {
    const exp = nowSec() + 3;
    const alice = await connect(nodeA(), { token: makeToken({ sub: 'alice', exp }) });
    const ended = endOfSession(alice);
    const revoked = makeToken({ sub: 'alice' });
    const logout = await fetch(`${nodeB()}/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${revoked}` } });
    expect(logout.status).toBe(204);

    const attempts: [unknown, object][] = [
      [
        { token: makeToken({ sub: 'alice' }, { secret: 'another-secret-that-is-long-enough-for-hs256' }) },
        { code: 'forbidden', details: { code: 'token_invalid' } },
      ],
      [{ token: makeToken({ sub: 'alice', exp: nowSec() - 10 }) }, { code: 'forbidden', details: { code: 'token_expired' } }],
      [{ token: revoked }, { code: 'forbidden', details: { code: 'token_revoked' } }],
      [{ token: 'not.a.jwt' }, { code: 'forbidden', details: { code: 'token_invalid' } }],
      [{ token: 42 }, { code: 'validation_failed' }],
      [{}, { code: 'validation_failed' }],
    ];
    for (const [payload, error] of attempts) {
      expect(await request(alice, 'auth:refresh', payload)).toMatchObject({ ok: false, error });
    }

    const { session, at } = await ended;
    expect(session).toEqual({ reason: 'expired' });
    expect(at).toBeGreaterThanOrEqual(exp * 1000 - CLOCK_SLACK_MS);
  });

  it('honours a refresh sent before exp whose verification finishes after it', async () => {
    const exp = nowSec() + 4;
    const alice = await connect(nodeA(), { token: makeToken({ sub: 'alice', exp }) });
    const sessionEvents = collect(alice, 'session');
    const operator = new Redis(cluster.redis.url, { maxRetriesPerRequest: 0 });
    // verification needs Redis (revocation, ban): paused from now until a second past exp, it holds the refresh
    // sent below across exp, however late this machine gets to send it, as long as that is before exp
    await operator.call('CLIENT', 'PAUSE', String(exp * 1000 + 1000 - Date.now()), 'ALL');
    operator.disconnect();
    if (Date.now() >= exp * 1000) throw new Error('set-up failed: connecting took past exp, so no refresh could be sent before it');
    const longer = nowSec() + 3600;

    // answered once Redis is back, up to five seconds after the send: within the nodes' REDIS_COMMAND_TIMEOUT_MS
    const refreshed = await alice.timeout(10_000).emitWithAck('auth:refresh', { token: makeToken({ sub: 'alice', exp: longer }) });
    expect(Date.now()).toBeGreaterThan(exp * 1000);
    expect(refreshed).toEqual({ ok: true, data: { exp: longer } });
    await requestOk(alice, 'message:history', { room: uniqueRoom('late-refresh') });
    expect(sessionEvents).toEqual([]);
    expect(alice.connected).toBe(true);
  });

  it("applies the refreshed token's room grants: rooms it no longer allows are left", async () => {
    const kept = uniqueRoom('kept');
    const revoked = uniqueRoom('revoked');
    const alice = await connect(nodeA(), { token: makeToken({ sub: 'alice' }) });
    const bob = await connect(nodeB(), { token: makeToken({ sub: 'bob' }) });
    for (const room of [kept, revoked]) {
      await requestOk(alice, 'room:join', { room });
      await requestOk(bob, 'room:join', { room });
    }
    await requestOk(alice, 'auth:refresh', { token: makeToken({ sub: 'alice', rooms: [kept] }) });
    const delivered = collect<{ room: string }>(alice, 'message');
    await requestOk(bob, 'message:send', { room: revoked, content: 'not for alice any more' });
    const barrier = nextEvent(alice, 'message', (message: { room: string }) => message.room === kept);
    await requestOk(bob, 'message:send', { room: kept, content: 'still for alice' });
    await barrier;
    expect(delivered.map((message) => message.room)).toEqual([kept]);
    expect(await request(alice, 'message:send', { room: revoked, content: 'x' })).toMatchObject({ ok: false, error: { code: 'not_joined' } });
  });

  it('moves the session to the refreshed token: logging out the old token leaves it, logging out the new one ends it', async () => {
    const oldToken = makeToken({ sub: 'alice' });
    const newToken = makeToken({ sub: 'alice' });
    const alice = await connect(nodeA(), { token: oldToken });
    const bob = await connect(nodeB(), { token: makeToken({ sub: 'bob' }) });
    const room = uniqueRoom('moved');
    await requestOk(alice, 'room:join', { room });
    await requestOk(bob, 'room:join', { room });
    await requestOk(alice, 'auth:refresh', { token: newToken });
    const sessionEvents = collect(alice, 'session');

    const logoutOld = await fetch(`${nodeB()}/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${oldToken}` } });
    expect(logoutOld.status).toBe(204);
    // node B's later broadcast travels the same ordered path as its logout order did
    const barrier = nextEvent(alice, 'message');
    await requestOk(bob, 'message:send', { room, content: 'barrier' });
    await barrier;
    expect(sessionEvents).toEqual([]);
    expect(alice.connected).toBe(true);

    const ended = endOfSession(alice);
    const logoutNew = await fetch(`${nodeB()}/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${newToken}` } });
    expect(logoutNew.status).toBe(204);
    expect(await ended).toMatchObject({ events: ['session', 'disconnect'], session: { reason: 'logout' } });
  });
});
