import type { AppConfig } from '../config/app-config';
import type { ChatSocket } from '../realtime/chat-socket';
import { ContractError } from '../common/contract-error';
import type { PresenceService } from '../presence/presence.service';
import type { ChatNamespace } from '../realtime/chat-namespace';
import type { ReceiptService } from '../receipts/receipt.service';
import { ChatService } from './chat.service';
import type { AppendResult, MessageRepository } from './message.repository';

const config = { historyMaxPerRoom: 100, messageMaxLength: 10, dedupWindowSec: 60 } as AppConfig;
const stored = { id: '1-0', room: 'general', userId: 'alice', content: 'hi', createdAt: 1 };

function fakeSocket(rooms: string[]) {
  const emit = jest.fn();
  const socket = { data: { user: { id: 'alice', name: 'Alice', roles: [], expiresAtSec: 0 } }, rooms: new Set(rooms), to: jest.fn(() => ({ emit })) };
  return { socket: socket as unknown as ChatSocket, emit, to: socket.to };
}

function serviceAppending(result: AppendResult) {
  const appendIfNew = jest.fn().mockResolvedValue(result);
  const service = new ChatService({ appendIfNew } as unknown as MessageRepository, {} as ChatNamespace, {} as PresenceService, {} as ReceiptService, config);
  return { service, appendIfNew };
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
  it('stores and broadcasts to the room except the sending socket', async () => {
    const { service, appendIfNew } = serviceAppending({ status: 'stored', message: stored, trimmedWithReactions: [] });
    const { socket, emit, to } = fakeSocket(['general']);
    expect(await service.send(socket, { room: 'general', content: 'hi', clientMsgId: 'c1' })).toBe(stored);
    expect(appendIfNew).toHaveBeenCalledWith('general', { userId: 'alice', name: 'Alice', content: 'hi', clientMsgId: 'c1', replyTo: undefined }, 100, 60);
    expect(to).toHaveBeenCalledWith(['general']);
    expect(emit).toHaveBeenCalledWith('message', stored);
  });

  it('answers a retry with the stored message and does not broadcast it again', async () => {
    const { service } = serviceAppending({ status: 'duplicate', message: stored });
    const { socket, emit } = fakeSocket(['general']);
    expect(await service.send(socket, { room: 'general', content: 'hi', clientMsgId: 'c1' })).toBe(stored);
    expect(emit).not.toHaveBeenCalled();
  });

  it('refuses a room the socket has not joined without touching Redis', async () => {
    const { service, appendIfNew } = serviceAppending({ status: 'stored', message: stored, trimmedWithReactions: [] });
    const { socket } = fakeSocket([]);
    expect((await errorOf(service.send(socket, { room: 'general', content: 'hi' }))).code).toBe('not_joined');
    expect(appendIfNew).not.toHaveBeenCalled();
  });

  it('counts the length in characters, not UTF-16 units', async () => {
    const { service, appendIfNew } = serviceAppending({ status: 'stored', message: stored, trimmedWithReactions: [] });
    const { socket } = fakeSocket(['general']);
    await service.send(socket, { room: 'general', content: '😀'.repeat(10) });
    const error = await errorOf(service.send(socket, { room: 'general', content: 'x'.repeat(11) }));
    expect(error.code).toBe('payload_too_large');
    expect(error.details).toEqual({ limit: 10 });
    expect(appendIfNew).toHaveBeenCalledTimes(1);
  });

  it('answers muted with the time the mute lapses, or none for a permanent mute', async () => {
    const { socket } = fakeSocket(['general']);
    const timed = await errorOf(serviceAppending({ status: 'muted', mutedForMs: 5000 }).service.send(socket, { room: 'general', content: 'hi' }));
    expect(timed.code).toBe('muted');
    expect(timed.details!.until).toBeGreaterThan(Date.now());
    const permanent = await errorOf(serviceAppending({ status: 'muted', mutedForMs: null }).service.send(socket, { room: 'general', content: 'hi' }));
    expect(permanent.details).toEqual({});
  });

  it('answers not_found for a reply to a message the room does not have', async () => {
    const { socket } = fakeSocket(['general']);
    const error = await errorOf(serviceAppending({ status: 'reply_target_missing' }).service.send(socket, { room: 'general', content: 'hi', replyTo: '9-9' }));
    expect(error.code).toBe('not_found');
  });
});
