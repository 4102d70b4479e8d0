import type { AppConfig } from '../config/app-config';
import type { AttachmentService } from '../attachments/attachment.service';
import { MessagePresenter } from '../attachments/message-presenter';
import type { PresenceService } from '../presence/presence.service';
import type { ReceiptService } from '../receipts/receipt.service';
import { AccessPolicy } from '../rooms/access-policy';
import type { RoomStore } from '../rooms/room-store';
import type { UserRoomsRepository } from '../rooms/user-rooms.repository';
import { fake, FakeBroadcaster, FakeConnection, userOf } from '../testing/fakes';
import { MembershipService } from './membership.service';

const config = { maxRoomsPerUser: 2, catchupMax: 1000 } as AppConfig;

/** A user's rooms in memory, bounded like the repository's script. */
function fakeUserRooms(held: string[] = []) {
  const rooms = new Set(held);
  return {
    rooms,
    hold: jest.fn(async (_userId: string, room: string, max: number) => rooms.has(room) || (rooms.size < max && !!rooms.add(room))),
    release: jest.fn(async (_userId: string, room: string) => void rooms.delete(room)),
  };
}

function serviceWith(messages: Partial<RoomStore>, presence: Partial<PresenceService>, receipts: Partial<ReceiptService>, userRooms = fakeUserRooms()) {
  const presenter = new MessagePresenter(fake<AttachmentService>({ urlsFor: jest.fn() }));
  return new MembershipService(
    messages as RoomStore,
    new FakeBroadcaster().asBroadcaster(),
    presence as PresenceService,
    receipts as ReceiptService,
    fake<UserRoomsRepository>(userRooms),
    presenter,
    new AccessPolicy(),
    config,
  );
}

const joinable = () =>
  [
    { latest: jest.fn().mockResolvedValue([]), registerRoom: jest.fn().mockResolvedValue(undefined) },
    { membersAfterJoin: jest.fn().mockResolvedValue([]), whenWritten: jest.fn().mockResolvedValue(undefined) },
    { readState: jest.fn().mockResolvedValue({ lastReadId: null, unreadCount: 0 }) },
  ] as const;

const connectionIn = (rooms: string[]) => new FakeConnection('c-1', userOf('alice'), rooms);

describe('MembershipService', () => {
  it('refuses a join beyond MAX_ROOMS_PER_USER with forbidden and details.limit, and leaves the room again', async () => {
    const service = serviceWith(...joinable(), fakeUserRooms(['one', 'two']));
    const connection = connectionIn([]);
    await expect(service.join(connection, { room: 'three' })).rejects.toMatchObject({ code: 'forbidden', details: { limit: 2 } });
    expect(connection.rooms.has('three')).toBe(false);
    await expect(service.join(connection, { room: 'two' })).resolves.toMatchObject({ room: 'two' });
  });

  it("releases the room from the user's rooms on room:leave", async () => {
    const userRooms = fakeUserRooms(['one']);
    const service = serviceWith(...joinable(), userRooms);
    await service.leave(connectionIn(['one']), 'one');
    expect([...userRooms.rooms]).toEqual([]);
  });

  it('leaves the room again when a read of the join fails, so that an unavailable join delivers nothing', async () => {
    const unavailable = new Error('Connection is closed.');
    const service = serviceWith(
      { latest: jest.fn().mockRejectedValue(unavailable), registerRoom: jest.fn().mockResolvedValue(undefined) },
      { membersAfterJoin: jest.fn().mockResolvedValue([]) },
      { readState: jest.fn().mockResolvedValue({ lastReadId: null, unreadCount: 0 }) },
    );
    const connection = connectionIn([]);
    await expect(service.join(connection, { room: 'general' })).rejects.toBe(unavailable);
    expect(connection.rooms.has('general')).toBe(false);
  });

  it('refuses a DM room of two other users, and a room outside the grants, before joining it', async () => {
    const service = serviceWith({}, {}, {});
    const connection = new FakeConnection('c-1', userOf('alice', { rooms: ['team-*'] }), []);
    await expect(service.join(connection, { room: 'dm:bob:carol' })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(service.join(connection, { room: 'general' })).rejects.toMatchObject({ code: 'forbidden', message: 'no access to room general' });
    expect(connection.rooms.size).toBe(0);
  });
});
