import { Test } from '@nestjs/testing';
import { AppEvents } from '../events/app-events.service';
import { ConnectionDirectory } from '../realtime/connection-directory';
import { NodeOrders } from '../realtime/node-orders';
import { FakeAppEvents, FakeBroadcaster, userOf } from '../testing/fakes';
import { SessionService } from './session.service';

describe('SessionService', () => {
  let broadcaster: FakeBroadcaster;
  let events: FakeAppEvents;
  let sessions: SessionService;

  beforeEach(async () => {
    broadcaster = new FakeBroadcaster();
    events = new FakeAppEvents();
    const module = await Test.createTestingModule({
      providers: [
        SessionService,
        { provide: ConnectionDirectory, useValue: broadcaster },
        { provide: NodeOrders, useValue: broadcaster },
        { provide: AppEvents, useValue: events },
      ],
    }).compile();
    sessions = module.get(SessionService);
  });

  it('ends every local connection of the user with its reason, orders the other nodes, and emits session.ending first', async () => {
    broadcaster.connect('c-1', userOf('alice'));
    broadcaster.connect('c-2', userOf('alice'));
    broadcaster.connect('c-3', userOf('bob'));
    await sessions.endUserSessions('alice', 'revoked');
    expect(events.emitted).toEqual([{ event: 'session.ending', payload: { userId: 'alice', cause: 'revoked', connections: 2 } }]);
    expect(broadcaster.disconnected).toEqual([
      { id: 'c-1', farewell: { event: 'session', payload: { reason: 'revoked' } } },
      { id: 'c-2', farewell: { event: 'session', payload: { reason: 'revoked' } } },
    ]);
    expect(broadcaster.orders).toEqual([
      { type: 'session:end', audience: { userId: 'alice' }, cause: 'revoked', farewell: { event: 'session', payload: { reason: 'revoked' } } },
    ]);
  });

  it('ends only the connections opened with one token on logout', async () => {
    broadcaster.connect('c-1', userOf('alice', { tokenId: 'old' }));
    broadcaster.connect('c-2', userOf('alice', { tokenId: 'new' }));
    await sessions.endTokenSessions('old', 'logout');
    expect(broadcaster.disconnected.map(({ id }) => id)).toEqual(['c-1']);
  });

  it('says goodbye with a ban notice when the caller chooses one, and emits nothing when no connection is here', async () => {
    await sessions.endUserSessionsWith('carol', 'banned', { event: 'moderation', payload: { action: 'banned' } });
    expect(events.emitted).toEqual([]);
    expect(broadcaster.orders).toHaveLength(1);
  });
});
