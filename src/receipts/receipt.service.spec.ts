import { Test } from '@nestjs/testing';
import { Broadcaster } from '../realtime/broadcaster';
import { FakeBroadcaster, FakeConnection, userOf } from '../testing/fakes';
import { ReceiptRepository } from './receipt.repository';
import { ReceiptService, UNREAD_COUNT_CAP } from './receipt.service';
import { AccessPolicy } from '../rooms/access-policy';

describe('ReceiptService', () => {
  let broadcaster: FakeBroadcaster;
  let receipts: ReceiptService;
  const markers = new Map<string, string>();
  const stored = new Set(['1-0', '2-0']);
  const repository = {
    markRead: async (room: string, userId: string, messageId: string) => {
      if (!stored.has(messageId)) return 'not_found';
      const key = `${room}/${userId}`;
      if ((markers.get(key) ?? '') >= messageId) return 'unchanged';
      markers.set(key, messageId);
      return 'moved';
    },
    readState: jest.fn(async () => ({ lastReadId: null, unreadCount: 0 })),
  };

  beforeEach(async () => {
    markers.clear();
    broadcaster = new FakeBroadcaster();
    const module = await Test.createTestingModule({
      providers: [ReceiptService, AccessPolicy, { provide: ReceiptRepository, useValue: repository }, { provide: Broadcaster, useValue: broadcaster }],
    }).compile();
    receipts = module.get(ReceiptService);
  });

  const alice = () => new FakeConnection('c-1', userOf('alice'), ['general']);

  it("announces a marker that moves to the room and to the user's other connections, not to this one", async () => {
    await receipts.markRead(alice(), 'general', '2-0');
    expect(broadcaster.sent).toEqual([
      {
        to: ['general', '~user:alice'],
        event: 'receipt',
        payload: { room: 'general', userId: 'alice', messageId: '2-0' },
        options: { exceptConnection: 'c-1' },
      },
    ]);
  });

  it('does not announce a marker that does not move', async () => {
    await receipts.markRead(alice(), 'general', '2-0');
    await receipts.markRead(alice(), 'general', '1-0');
    expect(broadcaster.sent).toHaveLength(1);
  });

  it('answers not_found for a message the room does not hold, and not_joined outside the room', async () => {
    await expect(receipts.markRead(alice(), 'general', '9-0')).rejects.toMatchObject({ code: 'not_found' });
    await expect(receipts.markRead(new FakeConnection('c-2', userOf('alice')), 'general', '1-0')).rejects.toMatchObject({ code: 'not_joined' });
    expect(broadcaster.sent).toEqual([]);
  });

  it('caps the unread count it asks for', async () => {
    await receipts.readState('general', 'alice');
    expect(repository.readState).toHaveBeenCalledWith('general', 'alice', UNREAD_COUNT_CAP);
  });
});
