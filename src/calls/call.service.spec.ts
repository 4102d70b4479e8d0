import type { TokenVerifier } from '../auth/token-verifier.service';
import { AuthenticationError } from '../common/handshake-error';
import type { StoredGrants, UserRoomsRepository } from '../rooms/user-rooms.repository';
import { fake, FakeBroadcaster, userOf } from '../testing/fakes';
import type { CallRepository } from './call.repository';
import { CALL_SIGNAL_DATA_MAX_BYTES, CallService } from './call.service';
import { AccessPolicy } from '../rooms/access-policy';

/** Users' rooms and grants, and calls' parties, in memory, as the repositories keep them in Redis. */
class FakeStores {
  readonly rooms = new Map<string, string[]>();
  readonly grants = new Map<string, StoredGrants>();
  readonly parties = new Map<string, [string, string]>();

  userRooms(): UserRoomsRepository {
    return fake<UserRoomsRepository>({
      roomsOf: async (userId: string) => this.rooms.get(userId) ?? [],
      grantsOf: async (userIds: string[]) => userIds.map((userId) => this.grants.get(userId)),
    });
  }

  calls(): CallRepository {
    return fake<CallRepository>({
      rememberInvite: async (callId: string, a: string, b: string) => {
        const pair: [string, string] = a < b ? [a, b] : [b, a];
        const known = this.parties.get(callId);
        if (known && known.join(' ') !== pair.join(' ')) return false;
        this.parties.set(callId, pair);
        return true;
      },
      partiesOf: async (callId: string) => this.parties.get(callId),
    });
  }
}

function setUp(assertAdmitted: () => Promise<void> = async () => undefined) {
  const broadcaster = new FakeBroadcaster();
  const stores = new FakeStores();
  const service = new CallService(
    broadcaster.asBroadcaster(),
    broadcaster.asConnections(),
    fake<TokenVerifier>({ assertAdmitted }),
    stores.userRooms(),
    stores.calls(),
    new AccessPolicy(),
  );
  const caller = broadcaster.connect('c-alice', userOf('alice'));
  // alice and bob share a room and both connected once
  stores.rooms.set('alice', ['general']);
  stores.grants.set('alice', { roles: [] });
  stores.grants.set('bob', { roles: [] });
  return { broadcaster, service, caller, stores };
}

describe('CallService.signal', () => {
  it('relays to exactly the callee connections it counts', async () => {
    const { broadcaster, service, caller } = setUp();
    broadcaster.connect('c-bob-1', userOf('bob'));
    broadcaster.connect('c-bob-2', userOf('bob'));
    const offer = { type: 'offer', sdp: 'v=0' };
    expect(await service.signal(caller, { to: 'bob', callId: 'k', type: 'invite', data: {} })).toEqual({ delivered: 2 });
    expect(await service.signal(caller, { to: 'bob', callId: 'k', type: 'offer', data: offer })).toEqual({ delivered: 2 });
    expect(broadcaster.sent[1]).toEqual({
      to: ['c-bob-1', 'c-bob-2'],
      event: 'call:signal',
      payload: { from: 'alice', callId: 'k', type: 'offer', data: offer },
    });
  });

  it('answers 0 and emits nothing for a related user without connections', async () => {
    const { broadcaster, service, caller } = setUp();
    expect(await service.signal(caller, { to: 'bob', callId: 'k', type: 'invite', data: {} })).toEqual({ delivered: 0 });
    expect(broadcaster.sent).toEqual([]);
  });

  it('refuses data above the bound before any lookup', async () => {
    const { broadcaster, service, caller } = setUp();
    broadcaster.connect('c-bob', userOf('bob'));
    const data = { sdp: 'x'.repeat(CALL_SIGNAL_DATA_MAX_BYTES) };
    await expect(service.signal(caller, { to: 'bob', callId: 'k', type: 'invite', data })).rejects.toMatchObject({ code: 'payload_too_large' });
    expect(broadcaster.sent).toEqual([]);
  });

  it('refuses a banned or revoked caller with forbidden and relays nothing', async () => {
    const { broadcaster, service, caller } = setUp(async () => {
      throw new AuthenticationError('banned', 'banned', 'alice');
    });
    broadcaster.connect('c-bob', userOf('bob'));
    await expect(service.signal(caller, { to: 'bob', callId: 'k', type: 'invite', data: {} })).rejects.toMatchObject({
      code: 'forbidden',
      details: { reason: 'banned' },
    });
    expect(broadcaster.sent).toEqual([]);
  });

  it('refuses an invite without a relation with one answer, whether the callee is online, offline or unknown', async () => {
    const { broadcaster, service, caller, stores } = setUp();
    broadcaster.connect('c-carol', userOf('carol'));
    stores.grants.set('carol', { roles: [], rooms: ['sales-*'] }); // may not read alice's room
    stores.grants.set('dave', { roles: [], rooms: ['sales-*'] }); // the same, never online now
    const refusals = [];
    for (const to of ['carol', 'dave', 'nobody']) {
      refusals.push(await service.signal(caller, { to, callId: `k-${to}`, type: 'invite', data: {} }).catch((error: { toBody(): unknown }) => error.toBody()));
    }
    expect(refusals).toEqual([refusals[0], refusals[0], refusals[0]]);
    expect(refusals[0]).toEqual({ code: 'forbidden', message: 'no room or DM shared with this user' });
    expect(broadcaster.sent).toEqual([]);
  });

  it("counts only rooms the caller's own token may read, and a DM room of the two whatever the grants", async () => {
    const { broadcaster, service, stores } = setUp();
    broadcaster.connect('c-bob', userOf('bob'));
    // a token restricted to sales-* no longer reads "general", joined with an earlier token
    const restricted = broadcaster.connect('c-alice-2', userOf('alice', { rooms: ['sales-*'] }));
    await expect(service.signal(restricted, { to: 'bob', callId: 'k', type: 'invite', data: {} })).rejects.toMatchObject({ code: 'forbidden' });
    stores.rooms.set('alice', ['general', 'dm:alice:bob']);
    stores.grants.set('bob', { roles: [], rooms: ['support'] });
    expect(await service.signal(restricted, { to: 'bob', callId: 'k', type: 'invite', data: {} })).toEqual({ delivered: 1 });
  });

  it('relays the other types of a call only between the two users of its invite', async () => {
    const { broadcaster, service, caller, stores } = setUp();
    broadcaster.connect('c-bob-1', userOf('bob'));
    const bob = broadcaster.connect('c-bob-2', userOf('bob'));
    const mallory = broadcaster.connect('c-mallory', userOf('mallory'));
    await expect(service.signal(caller, { to: 'bob', callId: 'k', type: 'offer', data: {} })).rejects.toMatchObject({
      code: 'forbidden',
      message: 'not a party to this call',
    });
    await service.signal(caller, { to: 'bob', callId: 'k', type: 'invite', data: {} });
    expect(await service.signal(bob, { to: 'alice', callId: 'k', type: 'answer', data: {} })).toEqual({ delivered: 1 });
    // the answering device tells the callee's other devices to stop ringing
    expect(await service.signal(bob, { to: 'bob', callId: 'k', type: 'hangup', data: {} })).toEqual({ delivered: 2 });
    for (const [from, to] of [
      [mallory, 'bob'],
      [mallory, 'alice'],
      [caller, 'mallory'],
    ] as const) {
      await expect(service.signal(from, { to, callId: 'k', type: 'ice', data: {} })).rejects.toMatchObject({ code: 'forbidden' });
    }
    // nor can an invite of another pair take the call id over, related as they are
    stores.rooms.set('mallory', ['general']);
    stores.grants.set('mallory', { roles: [] });
    await expect(service.signal(mallory, { to: 'alice', callId: 'k', type: 'invite', data: {} })).rejects.toMatchObject({ code: 'forbidden' });
    expect(await service.signal(mallory, { to: 'alice', callId: 'k-2', type: 'invite', data: {} })).toEqual({ delivered: 1 });
  });
});
