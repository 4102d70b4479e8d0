import { MetricsService } from '../metrics/metrics.service';
import type { AppConfig } from '../config/app-config';
import { ContractError } from '../common/contract-error';
import { fake, FakeBroadcaster, FakeConnection, userOf } from '../testing/fakes';
import { ChatService } from './chat.service';
import type { AppendResult, RoomStore } from '../rooms/room-store';
import type { UserRoomsRepository } from '../rooms/user-rooms.repository';
import type { AppEvents } from '../events/app-events.service';
import type { AttachmentService } from '../attachments/attachment.service';
import type { SearchIndexWriter } from '../search/search-index.writer';
import { MessagePresenter } from '../attachments/message-presenter';
import { AccessPolicy } from '../rooms/access-policy';

const config = { historyMaxPerRoom: 100, messageMaxLength: 10, dedupWindowSec: 60, maxRoomsPerUser: 2 } as AppConfig;

/** A user's rooms in memory, bounded like the repository's script. */
function fakeUserRooms(held: string[] = []) {
  const rooms = new Set(held);
  return {
    rooms,
    hold: jest.fn(async (_userId: string, room: string, max: number) => rooms.has(room) || (rooms.size < max && !!rooms.add(room))),
    release: jest.fn(async (_userId: string, room: string) => void rooms.delete(room)),
    noteAuthored: jest.fn(async () => undefined),
  };
}

function fakeEvents() {
  const emitted: unknown[] = [];
  return { emitted, events: fake<AppEvents>({ emit: async (event: string, payload: unknown) => void emitted.push({ event, payload }) }) };
}
const stored = { id: '1-0', room: 'general', userId: 'alice', content: 'hi', createdAt: 1 };

const NOTHING_TRIMMED = { ids: [], withReactions: [], attachments: [] };

/** The search index and attachments as the service sees them: index writes are queued, nothing to remove. */
function richContent() {
  const search = { index: jest.fn(), reindex: jest.fn(), unindex: jest.fn() };
  const attachments = { remove: jest.fn().mockResolvedValue(undefined), urlsFor: jest.fn() };
  const presenter = new MessagePresenter(fake<AttachmentService>(attachments));
  return [fake<AttachmentService>(attachments), fake<SearchIndexWriter>(search), presenter] as const;
}

const connectionIn = (rooms: string[]) => new FakeConnection('c-1', userOf('alice'), rooms);

function serviceAppending(result: AppendResult) {
  const appendIfNew = jest.fn().mockResolvedValue(result);
  const broadcaster = new FakeBroadcaster();
  const userRooms = fakeUserRooms();
  const { events, emitted } = fakeEvents();
  const service = new ChatService(
    fake<RoomStore>({ appendIfNew }),
    broadcaster.asBroadcaster(),
    new AccessPolicy(),
    fake<UserRoomsRepository>(userRooms),
    events,
    config,
    ...richContent(),
    new MetricsService(),
  );
  return { service, appendIfNew, broadcaster, userRooms, emitted };
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
  it('stores with the sending connection to leave out of the live publication, and broadcasts nothing itself', async () => {
    const { service, appendIfNew, broadcaster } = serviceAppending({ status: 'stored', message: stored, trimmed: NOTHING_TRIMMED });
    const connection = connectionIn(['general']);
    expect(await service.send(connection, { room: 'general', content: 'hi', clientMsgId: 'c1' })).toBe(stored);
    expect(appendIfNew).toHaveBeenCalledWith(
      'general',
      { userId: 'alice', name: 'Alice', content: 'hi', clientMsgId: 'c1', replyTo: undefined, attachments: [] },
      100,
      60,
      { exceptConnection: 'c-1', attachments: [] },
    );
    expect(broadcaster.sent).toEqual([]);
  });

  it('announces message.created once the message is stored', async () => {
    const { service, emitted } = serviceAppending({ status: 'stored', message: stored, trimmed: NOTHING_TRIMMED });
    await service.publish({ id: 'system', isBanned: false }, 'general', { content: 'hi' });
    expect(emitted).toEqual([{ event: 'message.created', payload: stored }]);
  });

  it('answers a retry with the stored message and neither broadcasts nor announces it again', async () => {
    const { service, broadcaster, emitted } = serviceAppending({ status: 'duplicate', message: stored });
    expect(await service.send(connectionIn(['general']), { room: 'general', content: 'hi', clientMsgId: 'c1' })).toBe(stored);
    expect(broadcaster.sent).toEqual([]);
    expect(emitted).toEqual([]);
  });

  it('refuses a room the connection has not joined without touching Redis', async () => {
    const { service, appendIfNew } = serviceAppending({ status: 'stored', message: stored, trimmed: NOTHING_TRIMMED });
    const socket = connectionIn([]);
    expect((await errorOf(service.send(socket, { room: 'general', content: 'hi' }))).code).toBe('not_joined');
    expect(appendIfNew).not.toHaveBeenCalled();
  });

  it('counts the length in characters, not UTF-16 units', async () => {
    const { service, appendIfNew } = serviceAppending({ status: 'stored', message: stored, trimmed: NOTHING_TRIMMED });
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

  it('refuses empty content without attachments, without touching Redis', async () => {
    const { service, appendIfNew } = serviceAppending({ status: 'stored', message: stored, trimmed: NOTHING_TRIMMED });
    expect((await errorOf(service.send(connectionIn(['general']), { room: 'general', content: '' }))).code).toBe('validation_failed');
    expect(appendIfNew).not.toHaveBeenCalled();
  });

  it('queues the index write of the stored message and the removal of those it trimmed', async () => {
    const appendIfNew = jest.fn().mockResolvedValue({ status: 'stored', message: stored, trimmed: { ids: ['0-1'], withReactions: [], attachments: [] } });
    const [attachments, search, presenter] = richContent();
    const service = new ChatService(
      fake<RoomStore>({ appendIfNew }),
      new FakeBroadcaster().asBroadcaster(),
      new AccessPolicy(),
      fake<UserRoomsRepository>(fakeUserRooms()),
      fakeEvents().events,
      config,
      attachments,
      search,
      presenter,
      new MetricsService(),
    );
    expect(await service.send(connectionIn(['general']), { room: 'general', content: 'hi' })).toBe(stored);
    expect(search.index).toHaveBeenCalledWith('general', stored);
    expect(search.unindex).toHaveBeenCalledWith('general', ['0-1']);
  });

  it('answers not_found for a reply to a message the room does not have', async () => {
    const socket = connectionIn(['general']);
    const error = await errorOf(serviceAppending({ status: 'reply_target_missing' }).service.send(socket, { room: 'general', content: 'hi', replyTo: '9-9' }));
    expect(error.code).toBe('not_found');
  });
});

describe('ChatService: mentions and DMs on the send path', () => {
  it('parses nothing and announces no addressed message for content without @', async () => {
    const { service, appendIfNew, emitted } = serviceAppending({ status: 'stored', message: stored, trimmed: NOTHING_TRIMMED });
    await service.send(connectionIn(['general']), { room: 'general', content: 'hi all' });
    expect(appendIfNew.mock.calls[0][1].mentions).toBeUndefined();
    expect(emitted).toEqual([{ event: 'message.created', payload: stored }]);
  });

  it('stores the mentions and announces the message once stored', async () => {
    const message = { ...stored, content: 'hi @bob', mentions: ['bob'] };
    const { service, appendIfNew, emitted } = serviceAppending({ status: 'stored', message, trimmed: NOTHING_TRIMMED });
    await service.send(connectionIn(['general']), { room: 'general', content: 'hi @bob' });
    expect(appendIfNew.mock.calls[0][1].mentions).toEqual(['bob']);
    expect(emitted).toEqual([
      { event: 'message.addressed', payload: { message, dmPeer: undefined } },
      { event: 'message.created', payload: message },
    ]);
  });

  it('announces nothing for a retry that stored nothing', async () => {
    const { service, emitted } = serviceAppending({ status: 'duplicate', message: { ...stored, mentions: ['bob'] } });
    await service.send(connectionIn(['general']), { room: 'general', content: 'hi @bob', clientMsgId: 'c1' });
    expect(emitted).toEqual([]);
  });

  it("puts a DM room into both users' rooms, sends it to both users' connections outside the room, and announces the DM with its peer", async () => {
    const message = { ...stored, room: 'dm:alice:bob' };
    const { service, userRooms, emitted, broadcaster } = serviceAppending({ status: 'stored', message, trimmed: NOTHING_TRIMMED });
    await service.sendDirect(connectionIn([]), { to: 'bob', content: 'psst' });
    expect(broadcaster.sent).toEqual([
      { to: ['~user:alice', '~user:bob'], event: 'message', payload: message, options: { exceptConnection: 'c-1', exceptRoom: 'dm:alice:bob' } },
    ]);
    expect(userRooms.hold.mock.calls.map(([userId, room]) => [userId, room])).toEqual([
      ['alice', 'dm:alice:bob'],
      ['bob', 'dm:alice:bob'],
    ]);
    expect(emitted).toEqual([
      { event: 'message.addressed', payload: { message, dmPeer: 'bob' } },
      { event: 'message.created', payload: message },
    ]);
  });

  it('gives a message:send into a DM room the side effects of dm:send: both users hold the room, the peer is addressed', async () => {
    const message = { ...stored, room: 'dm:alice:bob' };
    const { service, userRooms, emitted } = serviceAppending({ status: 'stored', message, trimmed: NOTHING_TRIMMED });
    await service.send(connectionIn(['dm:alice:bob']), { room: 'dm:alice:bob', content: 'psst' });
    expect(userRooms.hold.mock.calls.map(([userId, room]) => [userId, room])).toEqual([
      ['alice', 'dm:alice:bob'],
      ['bob', 'dm:alice:bob'],
    ]);
    expect(emitted).toEqual([
      { event: 'message.addressed', payload: { message, dmPeer: 'bob' } },
      { event: 'message.created', payload: message },
    ]);
  });

  it('gives a server-published message in a DM room, authored by one of its users, the same side effects', async () => {
    const message = { ...stored, room: 'dm:alice:bob', userId: 'bob' };
    const { service, userRooms, emitted } = serviceAppending({ status: 'stored', message, trimmed: NOTHING_TRIMMED });
    await service.publish({ id: 'bob', isBanned: false }, 'dm:alice:bob', { content: 'from CRM' });
    expect(userRooms.hold.mock.calls.map(([userId]) => userId)).toEqual(['bob', 'alice']);
    expect(emitted[0]).toEqual({ event: 'message.addressed', payload: { message, dmPeer: 'alice' } });
  });

  it("refuses any other author in a DM room (the server API's system author included) with forbidden, storing nothing", async () => {
    for (const [author, room] of [
      ['system', 'dm:alice:bob'],
      ['carol', 'dm:alice:bob'],
      ['alice', 'dm:alice'],
      ['alice', 'dm:bob:alice'],
    ]) {
      const { service, appendIfNew, userRooms, emitted } = serviceAppending({ status: 'stored', message: stored, trimmed: NOTHING_TRIMMED });
      const error = await errorOf(service.publish({ id: author, isBanned: false }, room, { content: 'hi', attachments: [{ id: 'a1' }] as never }));
      expect(error).toMatchObject({ code: 'forbidden' });
      expect(appendIfNew).not.toHaveBeenCalled();
      expect(userRooms.hold).not.toHaveBeenCalled();
      expect(emitted).toEqual([]);
    }
  });

  it('refuses a banned author a service names, in any room, storing nothing', async () => {
    for (const room of ['general', 'dm:alice:bob']) {
      const { service, appendIfNew, userRooms } = serviceAppending({ status: 'stored', message: stored, trimmed: NOTHING_TRIMMED });
      const error = await errorOf(service.publish({ id: 'alice', isBanned: true }, room, { content: 'hi' }));
      expect(error).toMatchObject({ code: 'forbidden', message: 'alice is banned and may not author messages' });
      expect(appendIfNew).not.toHaveBeenCalled();
      expect(userRooms.hold).not.toHaveBeenCalled();
    }
  });
});
