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
  const service = new ChatService({ appendIfNew } as unknown as RoomStore, broadcaster.asBroadcaster(), {} as PresenceService, {} as ReceiptService, config);
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
