import type { TokenVerifier } from '../auth/token-verifier.service';
import { AuthenticationError } from '../common/handshake-error';
import { FakeBroadcaster, userOf } from '../testing/fakes';
import { CALL_SIGNAL_DATA_MAX_BYTES, CallService } from './call.service';

function setUp(assertAdmitted: () => Promise<void> = async () => undefined) {
  const broadcaster = new FakeBroadcaster();
  const service = new CallService(broadcaster.asBroadcaster(), { assertAdmitted } as unknown as TokenVerifier);
  const caller = broadcaster.connect('c-alice', userOf('alice'));
  return { broadcaster, service, caller };
}

describe('CallService.signal', () => {
  it('relays to exactly the callee connections it counts', async () => {
    const { broadcaster, service, caller } = setUp();
    broadcaster.connect('c-bob-1', userOf('bob'));
    broadcaster.connect('c-bob-2', userOf('bob'));
    const offer = { type: 'offer', sdp: 'v=0' };
    expect(await service.signal(caller, { to: 'bob', callId: 'k', type: 'offer', data: offer })).toEqual({ delivered: 2 });
    expect(broadcaster.sent).toEqual([{ to: ['c-bob-1', 'c-bob-2'], event: 'call:signal', payload: { from: 'alice', callId: 'k', type: 'offer', data: offer } }]);
  });

  it('answers 0 and emits nothing for a user without connections', async () => {
    const { broadcaster, service, caller } = setUp();
    expect(await service.signal(caller, { to: 'nobody', callId: 'k', type: 'invite', data: {} })).toEqual({ delivered: 0 });
    expect(broadcaster.sent).toEqual([]);
  });

  it('refuses data above the bound before any lookup', async () => {
    const { broadcaster, service, caller } = setUp();
    broadcaster.connect('c-bob', userOf('bob'));
    const data = { sdp: 'x'.repeat(CALL_SIGNAL_DATA_MAX_BYTES) };
    await expect(service.signal(caller, { to: 'bob', callId: 'k', type: 'offer', data })).rejects.toMatchObject({ code: 'payload_too_large' });
    expect(broadcaster.sent).toEqual([]);
  });

  it('refuses a banned or revoked caller with forbidden and relays nothing', async () => {
    const { broadcaster, service, caller } = setUp(async () => {
      throw new AuthenticationError('banned', 'banned', 'alice');
    });
    broadcaster.connect('c-bob', userOf('bob'));
    await expect(service.signal(caller, { to: 'bob', callId: 'k', type: 'invite', data: {} })).rejects.toMatchObject({ code: 'forbidden', details: { reason: 'banned' } });
    expect(broadcaster.sent).toEqual([]);
  });
});
