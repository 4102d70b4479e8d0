import type { StoredMessage } from '../common/contract';
import type { PushService } from '../push/push.service';
import type { StoredGrants, UserRoomsRepository } from '../rooms/user-rooms.repository';
import { fake, FakeBroadcaster } from '../testing/fakes';
import type { OnlineUsers } from '../throttling/online-users';
import { OfflineDelivery } from './offline-delivery';
import { AccessPolicy } from '../rooms/access-policy';

function deliveryWith(grants: Record<string, StoredGrants>, online: string[]) {
  const broadcaster = new FakeBroadcaster();
  const pushed: { userId: string; messageId: string }[] = [];
  const userRooms = fake<UserRoomsRepository>({ grantsOf: async (userIds: string[]) => userIds.map((userId) => grants[userId]) });
  const onlineUsers = fake<OnlineUsers>({ areOnline: async (userIds: string[]) => userIds.map((userId) => online.includes(userId)) });
  const push = fake<PushService>({ notifyOffline: async (userId: string, { messageId }: { messageId: string }) => void pushed.push({ userId, messageId }) });
  return { delivery: new OfflineDelivery(userRooms, onlineUsers, broadcaster.asBroadcaster(), push, new AccessPolicy()), broadcaster, pushed };
}

const message = (room: string, mentions?: string[]): StoredMessage => ({
  id: '5-0',
  room,
  userId: 'ann',
  content: 'hi',
  createdAt: 5,
  ...(mentions ? { mentions } : {}),
});
const anyRoom: StoredGrants = { roles: [] };

describe('OfflineDelivery', () => {
  it('mentions only users whose grants let them read the room, never the author, and pushes those offline', async () => {
    const { delivery, broadcaster, pushed } = deliveryWith(
      { ann: anyRoom, bob: anyRoom, cid: anyRoom, eve: { roles: [], rooms: ['secret-*'] }, adm: { roles: ['admin'], rooms: ['x'] } },
      ['bob'],
    );
    await delivery.deliver({ message: message('general', ['ann', 'bob', 'cid', 'eve', 'adm', 'ghost']) });
    expect(broadcaster.sent.map((sent) => sent.to)).toEqual([['~user:bob'], ['~user:cid'], ['~user:adm']]);
    expect(broadcaster.sent[0]).toMatchObject({ event: 'mention', payload: { room: 'general', message: { id: '5-0' } } });
    expect(pushed).toEqual([
      { userId: 'cid', messageId: '5-0' },
      { userId: 'adm', messageId: '5-0' },
    ]);
  });

  it('pushes a DM to its offline peer, and mentions in a DM room reach its two users only', async () => {
    const { delivery, broadcaster, pushed } = deliveryWith({ bob: anyRoom, cid: anyRoom }, []);
    await delivery.deliver({ message: message('dm:ann:bob', ['bob', 'cid']), dmPeer: 'bob' });
    expect(broadcaster.sent.map((sent) => sent.to)).toEqual([['~user:bob']]);
    expect(pushed).toEqual([{ userId: 'bob', messageId: '5-0' }]);
  });

  it('tells only the users an edit names for the first time', async () => {
    const { delivery, broadcaster, pushed } = deliveryWith({ bob: anyRoom, cid: anyRoom }, ['bob']);
    await delivery.deliver({ message: message('general', ['bob', 'cid']), mentioned: ['cid'] });
    expect(broadcaster.sent.map((sent) => sent.to)).toEqual([['~user:cid']]);
    expect(pushed).toEqual([{ userId: 'cid', messageId: '5-0' }]);
  });

  it('pushes nothing for a DM to oneself or to a peer who is online', async () => {
    const self = deliveryWith({}, []);
    await self.delivery.deliver({ message: message('dm:ann:ann'), dmPeer: 'ann' });
    const online = deliveryWith({}, ['bob']);
    await online.delivery.deliver({ message: message('dm:ann:bob'), dmPeer: 'bob' });
    expect([...self.pushed, ...online.pushed]).toEqual([]);
  });
});
