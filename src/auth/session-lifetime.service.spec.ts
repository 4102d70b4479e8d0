import type { AuthUser } from '../common/auth-user';
import { ContractError } from '../common/contract-error';
import { AuthenticationError } from '../common/handshake-error';
import type { ConnectionDirectory } from '../realtime/connection-directory';
import { AccessPolicy } from '../rooms/access-policy';
import { fake, FakeConnection, userOf } from '../testing/fakes';
import { SessionLifetime } from './session-lifetime.service';
import type { SessionService } from './session.service';
import type { TokenVerifier } from './token-verifier.service';

const START_MS = Date.UTC(2026, 0, 1, 12, 0, 0);
const START_SEC = START_MS / 1000;

/** A verification the test settles itself, as Redis would answer it. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((onResolve, onReject) => ((resolve = onResolve), (reject = onReject)));
  return { promise, resolve, reject };
}

function setUp() {
  const ended: { id: string; reason: string }[] = [];
  const addressed: { id: string; tokenId: string; previousTokenId?: string }[] = [];
  const verifications = new Map<string, Promise<AuthUser>>();
  const verifier = fake<TokenVerifier>(
    {
      verify: (token: string) => verifications.get(token) ?? Promise.reject(new AuthenticationError('token_invalid', 'token invalid')),
    },
    'TokenVerifier',
  );
  const sessions = fake<SessionService>({ end: (connection, reason) => void ended.push({ id: connection.id, reason }) }, 'SessionService');
  const directory = fake<ConnectionDirectory>(
    {
      address: async (connection, previousTokenId) => void addressed.push({ id: connection.id, tokenId: connection.user.tokenId, previousTokenId }),
    },
    'ConnectionDirectory',
  );
  const lifetime = new SessionLifetime(verifier, sessions, directory, new AccessPolicy());
  /** A connection whose token expires `inSec` seconds after the start. */
  const connect = (id: string, inSec: number, fields: Partial<AuthUser> = {}, rooms: string[] = []) => {
    const connection = new FakeConnection(id, userOf('alice', { tokenId: `${id}-token`, expiresAtSec: START_SEC + inSec, ...fields }), rooms);
    lifetime.watch(connection);
    return connection;
  };
  const endedIds = () => ended.map(({ id }) => id);
  return { lifetime, connect, ended, endedIds, addressed, verifications };
}

/** Lets the promise callbacks queued so far run, as between two turns of the event loop. */
const settled = () => jest.advanceTimersByTimeAsync(0);

describe('SessionLifetime', () => {
  beforeEach(() => jest.useFakeTimers({ now: START_MS }));
  afterEach(() => jest.useRealTimers());

  it('ends a session when its token expires, not a millisecond before', () => {
    const { connect, ended } = setUp();
    connect('c1', 60);
    jest.advanceTimersByTime(59_999);
    expect(ended).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(ended).toEqual([{ id: 'c1', reason: 'expired' }]);
  });

  it('ends each session at its own expiry, whatever order they were watched in, and each once', () => {
    const { connect, endedIds } = setUp();
    connect('late', 120);
    connect('early', 30);
    connect('early-too', 30);
    connect('middle', 60);
    jest.advanceTimersByTime(30_000);
    expect(endedIds()).toEqual(['early', 'early-too']);
    jest.advanceTimersByTime(30_000);
    expect(endedIds()).toEqual(['early', 'early-too', 'middle']);
    jest.advanceTimersByTime(600_000);
    expect(endedIds()).toEqual(['early', 'early-too', 'middle', 'late']);
  });

  it('ends a session whose token expired already at once', () => {
    const { connect, endedIds } = setUp();
    connect('c1', -5);
    jest.advanceTimersByTime(0);
    expect(endedIds()).toEqual(['c1']);
  });

  it('waits past the longest timer Node allows for a token that expires later, waking up no sooner than that', () => {
    const { connect, endedIds } = setUp();
    const thirtyDaysMs = 30 * 86_400_000;
    connect('c1', thirtyDaysMs / 1000);
    jest.advanceTimersToNextTimer();
    expect(Date.now() - START_MS).toBe(2 ** 31 - 1);
    jest.advanceTimersByTime(thirtyDaysMs - (2 ** 31 - 1) - 1);
    expect(endedIds()).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(endedIds()).toEqual(['c1']);
  });

  it('forgets a closed connection: no end for it, and the others still end on time', () => {
    const { lifetime, connect, endedIds } = setUp();
    const gone = connect('gone', 30);
    connect('stays', 30);
    const alsoGone = connect('also-gone', 10);
    lifetime.forget(gone);
    alsoGone.isConnected = false;
    lifetime.watch(alsoGone);
    jest.advanceTimersByTime(60_000);
    expect(endedIds()).toEqual(['stays']);
  });

  it('moves the end to the expiry of the token a refresh brought, and addresses the connection by it', async () => {
    const { lifetime, connect, endedIds, addressed, verifications } = setUp();
    const connection = connect('c1', 60);
    const next = userOf('alice', { tokenId: 'new-token', expiresAtSec: START_SEC + 600 });
    verifications.set('new', Promise.resolve(next));

    await expect(lifetime.refresh(connection, 'new')).resolves.toEqual({ exp: START_SEC + 600 });

    expect(connection.user).toBe(next);
    expect(addressed).toEqual([{ id: 'c1', tokenId: 'new-token', previousTokenId: 'c1-token' }]);
    jest.advanceTimersByTime(599_999);
    expect(endedIds()).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(endedIds()).toEqual(['c1']);
  });

  it("leaves the chat rooms the new token does not grant, and keeps the connection's own channels", async () => {
    const { lifetime, connect, verifications } = setUp();
    const connection = connect('c1', 60, { rooms: ['team-*', 'general'] }, ['general', 'team-a', 'random', '~user:alice']);
    verifications.set('narrower', Promise.resolve(userOf('alice', { rooms: ['team-*'], expiresAtSec: START_SEC + 600 })));
    await lifetime.refresh(connection, 'narrower');
    expect([...connection.rooms].sort()).toEqual(['team-a', '~user:alice']);
  });

  it("refuses another user's token as forbidden and keeps the session as it was", async () => {
    const { lifetime, connect, endedIds, addressed, verifications } = setUp();
    const connection = connect('c1', 60);
    const before = connection.user;
    verifications.set('bob', Promise.resolve(userOf('bob', { expiresAtSec: START_SEC + 600 })));

    await expect(lifetime.refresh(connection, 'bob')).rejects.toMatchObject({ code: 'forbidden', message: 'the new token belongs to another user' });

    expect(connection.user).toBe(before);
    expect(addressed).toEqual([]);
    jest.advanceTimersByTime(60_000);
    expect(endedIds()).toEqual(['c1']);
  });

  it("answers a token the verifier refuses as forbidden with the verifier's code, and lets other errors through", async () => {
    const { lifetime, connect, verifications } = setUp();
    const connection = connect('c1', 60);
    verifications.set('revoked', Promise.reject(new AuthenticationError('token_revoked', 'token was revoked', 'alice', 'logout')));
    verifications.set('redis-down', Promise.reject(new ContractError('unavailable', 'Redis is unavailable')));

    const refused = await lifetime.refresh(connection, 'revoked').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ContractError);
    expect((refused as ContractError).toBody()).toEqual({ code: 'forbidden', message: 'token was revoked', details: { code: 'token_revoked' } });
    await expect(lifetime.refresh(connection, 'redis-down')).rejects.toMatchObject({ code: 'unavailable' });
  });

  it('refuses a second refresh while the first is being verified, and takes one again once it settled', async () => {
    const { lifetime, connect, verifications } = setUp();
    const connection = connect('c1', 60);
    const slow = deferred<AuthUser>();
    verifications.set('slow', slow.promise);
    verifications.set('next', Promise.resolve(userOf('alice', { expiresAtSec: START_SEC + 900 })));

    const first = lifetime.refresh(connection, 'slow');
    await expect(lifetime.refresh(connection, 'next')).rejects.toMatchObject({ code: 'rate_limited', details: { retryAfterMs: 1000 } });

    slow.resolve(userOf('alice', { expiresAtSec: START_SEC + 600 }));
    await expect(first).resolves.toEqual({ exp: START_SEC + 600 });
    await expect(lifetime.refresh(connection, 'next')).resolves.toEqual({ exp: START_SEC + 900 });
  });

  it('keeps a session whose token expires while its refresh is being verified, once the refresh is valid', async () => {
    const { lifetime, connect, endedIds, verifications } = setUp();
    const connection = connect('c1', 60);
    const pending = deferred<AuthUser>();
    verifications.set('new', pending.promise);
    const refreshed = lifetime.refresh(connection, 'new');

    jest.advanceTimersByTime(60_000);
    await settled();
    expect(endedIds()).toEqual([]);

    pending.resolve(userOf('alice', { expiresAtSec: START_SEC + 600 }));
    await refreshed;
    await settled();
    expect(endedIds()).toEqual([]);
    jest.advanceTimersByTime(540_000);
    expect(endedIds()).toEqual(['c1']);
  });

  it('ends a session whose token expired while its refresh was being verified, as soon as the refresh is refused', async () => {
    const { lifetime, connect, endedIds, verifications } = setUp();
    const connection = connect('c1', 60);
    const pending = deferred<AuthUser>();
    verifications.set('bad', pending.promise);
    const refreshed = lifetime.refresh(connection, 'bad').catch((error: unknown) => error);

    jest.advanceTimersByTime(60_000);
    await settled();
    expect(endedIds()).toEqual([]);

    pending.reject(new AuthenticationError('token_invalid', 'token invalid'));
    expect(await refreshed).toMatchObject({ code: 'forbidden' });
    await settled();
    expect(endedIds()).toEqual(['c1']);
  });
});
