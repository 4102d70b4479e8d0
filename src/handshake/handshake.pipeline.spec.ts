import type { SessionLifetime } from '../auth/session-lifetime.service';
import type { TokenVerifier } from '../auth/token-verifier.service';
import { AuthenticationError } from '../common/handshake-error';
import type { AppEvents } from '../events/app-events.service';
import type { ModerationRepository } from '../moderation/moderation.repository';
import type { UserRoomsRepository } from '../rooms/user-rooms.repository';
import { fake, FakeBroadcaster, FakeConnection, userOf } from '../testing/fakes';
import type { HandshakeLimits } from '../throttling/handshake-limits.service';
import { HandshakePipeline } from './handshake.pipeline';

/** The re-check once a connection is open: a refusal that landed during its handshake closes it with the right word. */
describe('HandshakePipeline.opened', () => {
  async function closedAfter(refusal: AuthenticationError | undefined) {
    const broadcaster = new FakeBroadcaster();
    let rechecked!: () => void;
    const recheck = new Promise<void>((resolve) => (rechecked = resolve));
    const verifier = fake<TokenVerifier>({
      assertAdmitted: () => {
        rechecked();
        return refusal ? Promise.reject(refusal) : Promise.resolve();
      },
    });
    const lifetime = fake<SessionLifetime>({ watch: () => undefined });
    const pipeline = new HandshakePipeline(
      {} as HandshakeLimits,
      verifier,
      {} as ModerationRepository,
      {} as UserRoomsRepository,
      lifetime,
      broadcaster.asConnections(),
      {} as AppEvents,
    );
    pipeline.opened(new FakeConnection('c-1', userOf('alice')));
    await recheck;
    // the rejection is handled a few microtasks after the re-check was asked
    for (let turn = 0; turn < 5; turn++) await Promise.resolve();
    return broadcaster.disconnected.map(({ farewell }) => farewell);
  }

  it('tells a connection whose token was logged out meanwhile `logout`, as the logout itself would have', async () => {
    expect(await closedAfter(new AuthenticationError('token_revoked', 'token was revoked', 'alice', 'logout'))).toEqual([
      { event: 'session', payload: { reason: 'logout' } },
    ]);
  });

  it("tells one whose user's tokens an admin revoked `revoked`, and a banned one `banned`", async () => {
    expect(await closedAfter(new AuthenticationError('token_revoked', "the user's tokens were revoked", 'alice', 'revoked'))).toEqual([
      { event: 'session', payload: { reason: 'revoked' } },
    ]);
    expect(await closedAfter(new AuthenticationError('banned', 'banned', 'alice'))).toEqual([{ event: 'moderation', payload: { action: 'banned' } }]);
  });

  it('leaves an admitted connection open', async () => {
    expect(await closedAfter(undefined)).toEqual([]);
  });
});
