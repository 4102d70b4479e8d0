import { Test } from '@nestjs/testing';
import { APP_CONFIG } from '../config/config.module';
import { AppEvents } from '../events/app-events.service';
import { Broadcaster } from '../realtime/broadcaster';
import { FakeBroadcaster, FakeConnection, userOf } from '../testing/fakes';
import { PresenceChange, PresenceMember, PresenceRepository } from './presence.repository';
import { PresenceService } from './presence.service';
import { AccessPolicy } from '../rooms/access-policy';

/** Presence entries in memory: room -> owner -> userId -> connections, as the Lua scripts keep them. */
class InMemoryPresence {
  readonly entries = new Map<string, Map<string, Map<string, { count: number; name?: string }>>>();
  readonly ownerRooms = new Map<string, Set<string>>();

  private total(room: string, userId: string): number {
    let total = 0;
    for (const users of this.entries.get(room)?.values() ?? []) total += users.get(userId)?.count ?? 0;
    return total;
  }

  async setConnections(room: string, owner: string, userId: string, count: number, name?: string): Promise<PresenceChange> {
    const before = this.total(room, userId);
    const owners = this.entries.get(room) ?? new Map();
    this.entries.set(room, owners);
    const users = owners.get(owner) ?? new Map();
    owners.set(owner, users);
    if (count > 0) users.set(userId, { count, name });
    else users.delete(userId);
    return { before, after: this.total(room, userId) };
  }

  async members(room: string): Promise<PresenceMember[]> {
    const members = new Map<string, PresenceMember>();
    for (const users of this.entries.get(room)?.values() ?? []) {
      for (const [userId, { count, name }] of users) {
        const member = members.get(userId) ?? { userId, name: name ?? null, connections: 0 };
        member.connections += count;
        members.set(userId, member);
      }
    }
    return [...members.values()];
  }

  async addOwnerRoom(owner: string, room: string): Promise<void> {
    this.ownerRooms.set(owner, (this.ownerRooms.get(owner) ?? new Set()).add(room));
  }

  async removeOwnerRoom(owner: string, room: string): Promise<void> {
    this.ownerRooms.get(owner)?.delete(room);
  }

  async heartbeat(): Promise<{ isKnown: true; staleOwners: string[] }> {
    return { isKnown: true, staleOwners: [] };
  }
}

describe('PresenceService', () => {
  let broadcaster: FakeBroadcaster;
  let presence: PresenceService;
  let store: InMemoryPresence;
  let emitted: string[];
  const announcements = () => broadcaster.sent.map(({ payload, options }) => ({ payload, options }));

  beforeEach(async () => {
    broadcaster = new FakeBroadcaster();
    store = new InMemoryPresence();
    emitted = [];
    const module = await Test.createTestingModule({
      providers: [
        PresenceService,
        AccessPolicy,
        { provide: PresenceRepository, useValue: store },
        { provide: Broadcaster, useValue: broadcaster },
        { provide: AppEvents, useValue: { emit: async (event: string) => void emitted.push(event) } },
        { provide: APP_CONFIG, useValue: { presenceTtlSec: 30 } },
      ],
    }).compile();
    presence = module.get(PresenceService);
    presence.onModuleInit();
  });

  it('announces joined for the first connection and left for the last, not for the ones between', async () => {
    const tab1 = broadcaster.connect('c-1', userOf('alice'), ['general']);
    const tab2 = broadcaster.connect('c-2', userOf('alice'), ['general']);
    await presence.whenWritten('general', 'alice');
    tab1.leave('general');
    await presence.whenWritten('general', 'alice');
    expect(announcements()).toEqual([{ payload: { room: 'general', userId: 'alice', name: 'Alice', status: 'joined' }, options: { exceptUser: 'alice' } }]);
    tab2.leave('general');
    await presence.whenWritten('general', 'alice');
    expect(announcements().map(({ payload }) => (payload as { status: string }).status)).toEqual(['joined', 'left']);
    expect(emitted).toEqual(['member.joined', 'member.left']);
  });

  it('reports the joining user among the members once their entry is written', async () => {
    broadcaster.connect('c-1', userOf('alice'), ['general']);
    expect(await presence.membersAfterJoin('general', 'alice')).toEqual([{ userId: 'alice', name: 'Alice', connections: 1 }]);
  });

  it('counts connections per user across a burst of joins and leaves with one write owed at a time', async () => {
    const connections = [1, 2, 3].map((n) => broadcaster.connect(`c-${n}`, userOf('bob'), ['general']));
    connections[0].leave('general');
    await presence.whenWritten('general', 'bob');
    expect(await presence.members('general')).toEqual([{ userId: 'bob', name: 'Bob', connections: 2 }]);
    expect(announcements()).toHaveLength(1);
  });

  it('lists a room for presence:list only to a user who may read it, without joining it', async () => {
    broadcaster.connect('c-1', userOf('bob'), ['team-red', 'dm:bob:carol']);
    await presence.whenWritten('team-red', 'bob');
    const reader = new FakeConnection('c-2', userOf('alice', { rooms: ['team-*'] }));
    expect(await presence.list(reader, 'team-red')).toEqual({ users: [{ userId: 'bob', name: 'Bob', connections: 1 }] });
    await expect(presence.list(reader, 'general')).rejects.toMatchObject({ code: 'forbidden' });
    await expect(presence.list(new FakeConnection('c-3', userOf('root', { roles: ['admin'] })), 'dm:bob:carol')).rejects.toMatchObject({ code: 'forbidden' });
  });
});
