import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { REDIS_ADMISSION, REDIS_COMMANDS } from '../redis/redis.tokens';
import { presenceOwnerKeys, presenceRoomKeys } from './keys';
import { CLAIM_OWNER_SCRIPT, HEARTBEAT_SCRIPT, LIST_MEMBERS_SCRIPT, REMOVE_OWNER_SCRIPT, SET_CONNECTIONS_SCRIPT } from './presence.scripts';

export interface PresenceMember {
  userId: string;
  /** null when the user's token carries no name: presence lists always have the field. */
  name: string | null;
  connections: number;
}

export interface PresenceChange {
  before: number;
  after: number;
  /** Set when this write made the room's first member or removed its last, cluster-wide. */
  room?: RoomOccupancyChange;
}

export type RoomOccupancyChange = 'occupied' | 'vacated';

/** What removing an owner's entries in a room changed: who is no longer present, and whether the room emptied. */
export interface OwnerRemoval {
  gone: { userId: string; name?: string }[];
  isVacated: boolean;
}

export type HeartbeatResult = { isKnown: false } | { isKnown: true; staleOwners: string[] };

interface PresenceScripts {
  presenceSetConnections(connections: string, users: string, names: string, owner: string, userId: string, count: number, name: string): Promise<[number, number, -1 | 0 | 1]>;
  presenceRemoveOwner(connections: string, users: string, names: string, owner: string): Promise<[0 | 1, ...string[]]>;
  presenceListMembers(users: string, names: string): Promise<(string | null)[]>;
  presenceHeartbeat(owners: string, reaping: string, owner: string, wasRegistered: '0' | '1', ttlMs: number): Promise<[0] | [1, string[]]>;
  presenceClaimOwner(owners: string, reaping: string, owner: string, ttlMs: number, force: '0' | '1'): Promise<number>;
}

/**
 * Presence entries: per room, how many connections each owner (one node process) holds for each user; per
 * owner, a heartbeat and the rooms it holds entries in. The only code that knows these keys.
 */
@Injectable()
export class PresenceRepository {
  private readonly redis: Redis & PresenceScripts;
  /** Room entries (absolute counts, idempotent; every write on one connection, so in order) and member lists: every join waits for both. */
  private readonly admission: Redis & PresenceScripts;
  /** Member lists sent to Redis and not yet answered, by room. */
  private readonly listsUnderWay = new Map<string, Promise<PresenceMember[]>>();

  constructor(@Inject(REDIS_COMMANDS) redis: Redis, @Inject(REDIS_ADMISSION) admission: Redis) {
    redis.defineCommand('presenceSetConnections', { numberOfKeys: 3, lua: SET_CONNECTIONS_SCRIPT });
    redis.defineCommand('presenceRemoveOwner', { numberOfKeys: 3, lua: REMOVE_OWNER_SCRIPT });
    redis.defineCommand('presenceListMembers', { numberOfKeys: 2, lua: LIST_MEMBERS_SCRIPT });
    redis.defineCommand('presenceHeartbeat', { numberOfKeys: 2, lua: HEARTBEAT_SCRIPT });
    redis.defineCommand('presenceClaimOwner', { numberOfKeys: 2, lua: CLAIM_OWNER_SCRIPT });
    this.redis = redis as Redis & PresenceScripts;
    this.admission = admission as Redis & PresenceScripts;
  }

  async setConnections(room: string, owner: string, userId: string, count: number, name?: string): Promise<PresenceChange> {
    const [before, after, roomChange] = await this.admission.presenceSetConnections(...roomKeysOf(room), owner, userId, count, name ?? '');
    return { before, after, ...(roomChange === 0 ? {} : { room: roomChange > 0 ? 'occupied' : 'vacated' }) };
  }

  /** Removes the owner's entries in the room; reports the users that left the room with them. */
  async removeOwner(room: string, owner: string): Promise<OwnerRemoval> {
    const [vacated, ...flat] = await this.admission.presenceRemoveOwner(...roomKeysOf(room), owner);
    const gone = [];
    for (let i = 0; i < flat.length; i += 2) gone.push({ userId: flat[i], ...(flat[i + 1] ? { name: flat[i + 1] } : {}) });
    return { gone, isVacated: vacated === 1 };
  }

  /**
   * Who is in the room. A read still waiting for its reply answers every caller that asks meanwhile: a join storm
   * asks this of one room hundreds of times a second, each answer as long as the room. Sharing loses no write a
   * caller waited for: entries and lists go over one connection, in order, so a write that replied before the
   * caller asked was executed before the read, which replies after it (and leaves the map as soon as it does).
   */
  members(room: string): Promise<PresenceMember[]> {
    const underWay = this.listsUnderWay.get(room);
    if (underWay) return underWay.then((members) => members.slice());
    const read = this.admission.presenceListMembers(presenceRoomKeys.users(room), presenceRoomKeys.names(room)).then(
      (flat) => {
        this.listsUnderWay.delete(room);
        return membersOf(flat);
      },
      (error: unknown) => {
        this.listsUnderWay.delete(room);
        throw error;
      },
    );
    this.listsUnderWay.set(room, read);
    return read.then((members) => members.slice());
  }

  /** Users with at least one connection in the room, on any node. */
  onlineCount(room: string): Promise<number> {
    return this.redis.hlen(presenceRoomKeys.users(room));
  }

  async addOwnerRoom(owner: string, room: string): Promise<void> {
    await this.redis.sadd(presenceOwnerKeys.rooms(owner), room);
  }

  async removeOwnerRoom(owner: string, room: string): Promise<void> {
    await this.redis.srem(presenceOwnerKeys.rooms(owner), room);
  }

  async ownerRooms(owner: string): Promise<string[]> {
    return this.redis.smembers(presenceOwnerKeys.rooms(owner));
  }

  async heartbeat(owner: string, wasRegistered: boolean, ttlMs: number): Promise<HeartbeatResult> {
    const reply = await this.redis.presenceHeartbeat(presenceOwnerKeys.owners, presenceOwnerKeys.reaping, owner, wasRegistered ? '1' : '0', ttlMs);
    return reply[0] === 1 ? { isKnown: true, staleOwners: reply[1] } : { isKnown: false };
  }

  /** True when the caller won the job of removing the owner's entries. */
  async claimOwner(owner: string, ttlMs: number, force: boolean): Promise<boolean> {
    return (await this.redis.presenceClaimOwner(presenceOwnerKeys.owners, presenceOwnerKeys.reaping, owner, ttlMs, force ? '1' : '0')) === 1;
  }

  async forgetOwner(owner: string): Promise<void> {
    await Promise.all([this.redis.del(presenceOwnerKeys.rooms(owner)), this.redis.zrem(presenceOwnerKeys.reaping, owner)]);
  }
}

function membersOf(flat: (string | null)[]): PresenceMember[] {
  const members: PresenceMember[] = [];
  for (let i = 0; i < flat.length; i += 3) {
    const name = flat[i + 2];
    members.push({ userId: flat[i] as string, name: name || null, connections: Number(flat[i + 1]) });
  }
  return members.sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
}

function roomKeysOf(room: string): [string, string, string] {
  return [presenceRoomKeys.connections(room), presenceRoomKeys.users(room), presenceRoomKeys.names(room)];
}
