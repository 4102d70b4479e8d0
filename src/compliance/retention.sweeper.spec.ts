import type { AttachmentService } from '../attachments/attachment.service';
import type { MessageRemovalService } from '../chat/message-removal.service';
import type { AppConfig } from '../config/app-config';
import { HoldSet, LegalHold } from '../holds/legal-hold';
import type { LegalHolds } from '../holds/legal-holds.service';
import type { RoomMessage } from '../rooms/message.codec';
import type { RoomStore } from '../rooms/room-store';
import type { UserRoomsRepository } from '../rooms/user-rooms.repository';
import type { ComplianceRepository } from './compliance.repository';
import { RetentionSweeper } from './retention.sweeper';
import type { UserErasure } from './user-erasure';
import { fake } from '../testing/fakes';

const NOW = 1_800_000_000_000;
const DAY_MS = 86_400_000;

/** A room store over in-memory streams: `range` as XRANGE reads it, for the ids this test uses. */
function fakeRooms(streams: Record<string, RoomMessage[]>) {
  const reads: { room: string; count: number }[] = [];
  const bound = (id: string) => {
    if (id === '-' || id === '+') return { id, exclusive: false };
    return id.startsWith('(') ? { id: id.slice(1), exclusive: true } : { id, exclusive: false };
  };
  const ms = (id: string) => Number(id.split('-')[0]);
  const rooms = {
    reads,
    range: jest.fn(async (room: string, start: string, end: string, count: number) => {
      reads.push({ room, count });
      const from = bound(start);
      const to = bound(end);
      return (streams[room] ?? [])
        .filter((message) => from.id === '-' || (from.exclusive ? ms(message.id) > ms(from.id) : ms(message.id) >= ms(from.id)))
        .filter((message) => to.id === '+' || (to.exclusive ? ms(message.id) < ms(to.id) : ms(message.id) <= ms(to.id)))
        .slice(0, count);
    }),
    rooms: jest.fn(async (after: string | undefined, limit: number) =>
      Object.keys(streams)
        .sort()
        .filter((room) => after === undefined || room > after)
        .slice(0, limit),
    ),
    tombstoneIds: jest.fn(async () => []),
    forgetTombstones: jest.fn(async () => undefined),
    heldDeletionIds: jest.fn(async () => []),
    keepFromExpiring: jest.fn(async () => undefined),
    expireAgain: jest.fn(async () => undefined),
  };
  return rooms;
}

const message = (room: string, ageDays: number, userId = 'alice', seq = 0): RoomMessage => ({
  id: `${NOW - ageDays * DAY_MS}-${seq}`,
  room,
  userId,
  content: 'x',
  createdAt: NOW - ageDays * DAY_MS,
});

function sweeperWith(options: {
  streams: Record<string, RoomMessage[]>;
  policies?: Record<string, number>;
  holds?: LegalHold[];
  batch?: number;
  defaultSeconds?: number;
  isLeaseHolder?: boolean;
}) {
  const rooms = fakeRooms(options.streams);
  let cursor: string | undefined;
  const expired: string[] = [];
  const repository = {
    roomsKeptForHolds: jest.fn(async () => []),
    noteRoomsKeptForHolds: jest.fn(async () => undefined),
    forgetRoomsKeptForHolds: jest.fn(async () => undefined),
    acquireSweepLease: jest.fn(async () => options.isLeaseHolder ?? true),
    retentionPolicies: jest.fn(async () => new Map(Object.entries(options.policies ?? {}))),
    sweepCursor: jest.fn(async () => cursor),
    saveSweepCursor: jest.fn(async (room: string | undefined) => void (cursor = room)),
  };
  const chat = {
    expire: jest.fn(async (room: string, id: string) => {
      expired.push(`${room}/${id}`);
      options.streams[room] = options.streams[room].filter((candidate) => candidate.id !== id);
    }),
  };
  const holds = { current: jest.fn(async () => new HoldSet(options.holds ?? [])), roomsWithHeldDeletions: jest.fn(async () => []) };
  const erasures = { step: jest.fn(async () => undefined) };
  const config = { nodeId: 'node-1', retention: { sweepMs: 1000, sweepBatch: options.batch ?? 1000, defaultSeconds: options.defaultSeconds } } as AppConfig;
  const sweeper = new RetentionSweeper(
    fake<ComplianceRepository>(repository),
    fake<LegalHolds>(holds),
    fake<RoomStore>(rooms),
    fake<MessageRemovalService>(chat),
    {} as AttachmentService,
    fake<UserErasure>(erasures),
    fake<UserRoomsRepository>({ roomsTouchedBy: async () => [] }),
    config,
  );
  return { sweeper, expired, rooms, repository, cursor: () => cursor };
}

describe('RetentionSweeper.tick', () => {
  it('does nothing on a node that does not hold the lease', async () => {
    const { sweeper, expired, rooms } = sweeperWith({
      streams: { general: [message('general', 10)] },
      policies: { general: DAY_MS / 1000 },
      isLeaseHolder: false,
    });
    expect(await sweeper.tick(NOW)).toBe(false);
    expect(expired).toEqual([]);
    expect(rooms.range).not.toHaveBeenCalled();
  });

  it("removes only the messages older than the room's age", async () => {
    const old = message('general', 10);
    const fresh = message('general', 0.5);
    const { sweeper, expired } = sweeperWith({ streams: { general: [old, fresh] }, policies: { general: DAY_MS / 1000 } });
    await sweeper.tick(NOW);
    expect(expired).toEqual([`general/${old.id}`]);
  });

  it('examines at most RETENTION_SWEEP_BATCH messages a tick, and finishes over later ticks', async () => {
    const backlog = Array.from({ length: 25 }, (_, i) => message('busy', 30 - i));
    const { sweeper, expired, rooms } = sweeperWith({ streams: { busy: [...backlog] }, policies: { busy: DAY_MS / 1000 }, batch: 10 });
    await sweeper.tick(NOW);
    expect(expired).toHaveLength(10);
    expect(rooms.reads.reduce((sum, read) => sum + read.count, 0)).toBeLessThanOrEqual(10);
    await sweeper.tick(NOW);
    await sweeper.tick(NOW);
    expect(expired).toHaveLength(25);
  });

  it("keeps what a hold covers: a held room whole, a held user's messages anywhere", async () => {
    const holds: LegalHold[] = [
      { id: 'h1', room: 'legal', reason: 'r', createdAt: 0, createdBy: 'dpo' },
      { id: 'h2', userId: 'bob', reason: 'r', createdAt: 0, createdBy: 'dpo' },
    ];
    const bobs = message('general', 10, 'bob', 1);
    const alices = message('general', 10, 'alice', 2);
    const { sweeper, expired } = sweeperWith({
      streams: { general: [bobs, alices], legal: [message('legal', 10)] },
      policies: { general: 1, legal: 1 },
      holds,
    });
    await sweeper.tick(NOW);
    expect(expired).toEqual([`general/${alices.id}`]);
  });

  it('walks the rooms without a policy of their own under the default, resuming after the last room it finished', async () => {
    const streams = Object.fromEntries(['a', 'b', 'c'].map((room) => [room, [message(room, 10, 'alice', 0), message(room, 10, 'alice', 1)]]));
    const { sweeper, expired, cursor } = sweeperWith({ streams, defaultSeconds: DAY_MS / 1000, batch: 3 });
    await sweeper.tick(NOW);
    expect(expired.map((entry) => entry.split('/')[0])).toEqual(['a', 'a', 'b']);
    expect(cursor()).toBe('a');
    await sweeper.tick(NOW);
    expect(expired.map((entry) => entry.split('/')[0])).toEqual(['a', 'a', 'b', 'b', 'c', 'c']);
    // the budget ran out exactly at c's last message: whether c holds more is for the next tick to see
    expect(cursor()).toBe('b');
    await sweeper.tick(NOW);
    expect(expired).toHaveLength(6);
    expect(cursor()).toBeUndefined();
  });
});
