import { MetricsService } from '../metrics/metrics.service';
import type { AppConfig } from '../config/app-config';
import { ContractError } from '../common/contract-error';
import type { PresenceService } from '../presence/presence.service';
import { FakeBroadcaster, FakeConnection, userOf } from '../testing/fakes';
import type { ReceiptService } from '../receipts/receipt.service';
import { ChatService } from './chat.service';
import type { AppendResult, RoomStore } from '../rooms/room-store';

const config = { historyMaxPerRoom: 100, messageMaxLength: 10, dedupWindowSec: 60 } as AppConfig;
const stored = { id: '1-0', room: 'general', userId: 'alice', content: 'hi', createdAt: 1 };

const connectionIn = (rooms: string[]) => new FakeConnection('c-1', userOf('alice'), rooms);

function serviceAppending(result: AppendResult) {
  const appendIfNew = jest.fn().mockResolvedValue(result);
  const broadcaster = new FakeBroadcaster();
  const service = new ChatService({ appendIfNew } as unknown as RoomStore, broadcaster.asBroadcaster(), {} as PresenceService, {} as ReceiptService, config, new MetricsService());
  return { service, appendIfNew, broadcaster };
}

async function errorOf(promise: Promise<unknown>): Promise<ContractError> {
  try {
    await promise;
  } catch (error) {
    return error as ContractError;
  }
  throw new Error('expected a ContractError');
}

describe('ChatService.send', () => {
  it('stores and broadcasts to the room except the sending connection', async () => {
    const { service, appendIfNew, broadcaster } = serviceAppending({ status: 'stored', message: stored, trimmedWithReactions: [] });
    const connection = connectionIn(['general']);
    expect(await service.send(connection, { room: 'general', content: 'hi', clientMsgId: 'c1' })).toBe(stored);
    expect(appendIfNew).toHaveBeenCalledWith('general', { userId: 'alice', name: 'Alice', content: 'hi', clientMsgId: 'c1', replyTo: undefined }, 100, 60);
    expect(broadcaster.sent).toEqual([{ to: ['general'], event: 'message', payload: stored, options: { exceptConnection: 'c-1' } }]);
  });

  it('answers a retry with the stored message and does not broadcast it again', async () => {
    const { service, broadcaster } = serviceAppending({ status: 'duplicate', message: stored });
    expect(await service.send(connectionIn(['general']), { room: 'general', content: 'hi', clientMsgId: 'c1' })).toBe(stored);
    expect(broadcaster.sent).toEqual([]);
  });

  it('refuses a room the connection has not joined without touching Redis', async () => {
    const { service, appendIfNew } = serviceAppending({ status: 'stored', message: stored, trimmedWithReactions: [] });
    const socket = connectionIn([]);
    expect((await errorOf(service.send(socket, { room: 'general', content: 'hi' }))).code).toBe('not_joined');
    expect(appendIfNew).not.toHaveBeenCalled();
  });

  it('counts the length in characters, not UTF-16 units', async () => {
    const { service, appendIfNew } = serviceAppending({ status: 'stored', message: stored, trimmedWithReactions: [] });
    const socket = connectionIn(['general']);
    await service.send(socket, { room: 'general', content: '😀'.repeat(10) });
    const error = await errorOf(service.send(socket, { room: 'general', content: 'x'.repeat(11) }));
    expect(error.code).toBe('payload_too_large');
    expect(error.details).toEqual({ limit: 10 });
    expect(appendIfNew).toHaveBeenCalledTimes(1);
  });

  it('answers muted with the time the mute lapses, or none for a permanent mute', async () => {
    const socket = connectionIn(['general']);
    const timed = await errorOf(serviceAppending({ status: 'muted', mutedForMs: 5000 }).service.send(socket, { room: 'general', content: 'hi' }));
    expect(timed.code).toBe('muted');
    expect(timed.details!.until).toBeGreaterThan(Date.now());
    const permanent = await errorOf(serviceAppending({ status: 'muted', mutedForMs: null }).service.send(socket, { room: 'general', content: 'hi' }));
    expect(permanent.details).toEqual({});
  });

  it('answers not_found for a reply to a message the room does not have', async () => {
    const socket = connectionIn(['general']);
    const error = await errorOf(serviceAppending({ status: 'reply_target_missing' }).service.send(socket, { room: 'general', content: 'hi', replyTo: '9-9' }));
    expect(error.code).toBe('not_found');
  });
});

describe('ChatService.join and delete', () => {
  function serviceWith(messages: Partial<RoomStore>, presence: Partial<PresenceService>, receipts: Partial<ReceiptService>) {
    const broadcaster = new FakeBroadcaster();
    const service = new ChatService(messages as RoomStore, broadcaster.asBroadcaster(), presence as PresenceService, receipts as ReceiptService, config, new MetricsService());
    return { service, broadcaster };
  }

  it('leaves the room again when a read of the join fails, so that an unavailable join delivers nothing', async () => {
    const unavailable = new Error('Connection is closed.');
    const { service } = serviceWith(
      { latest: jest.fn().mockRejectedValue(unavailable), registerRoom: jest.fn().mockResolvedValue(undefined) },
      { membersAfterJoin: jest.fn().mockResolvedValue([]) },
      { readState: jest.fn().mockResolvedValue({ lastReadId: null, unreadCount: 0 }) },
    );
    const connection = connectionIn([]);
    await expect(service.join(connection, { room: 'general' })).rejects.toBe(unavailable);
    expect(connection.rooms.has('general')).toBe(false);
  });

  it('refuses a DM room of two other users before joining it', async () => {
    const { service } = serviceWith({}, {}, {});
    const connection = connectionIn([]);
    await expect(service.join(connection, { room: 'dm:bob:carol' })).rejects.toMatchObject({ code: 'forbidden' });
    expect(connection.rooms.size).toBe(0);
  });

  it("announces a deletion in a DM room to both users' connections, except the deleting one", async () => {
    const { service, broadcaster } = serviceWith({ delete: jest.fn().mockResolvedValue('deleted') }, {}, {});
    const connection = new FakeConnection('c-1', userOf('alice'), ['dm:alice:bob']);
    await service.deleteFromConnection(connection, { room: 'dm:alice:bob', messageId: '1-0' });
    expect(broadcaster.sent).toEqual([
      { to: ['dm:alice:bob', '~user:alice', '~user:bob'], event: 'message:deleted', payload: { room: 'dm:alice:bob', messageId: '1-0', by: 'alice' }, options: { exceptConnection: 'c-1' } },
    ]);
  });
});
