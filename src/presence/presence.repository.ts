import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { REDIS_ADMISSION, REDIS_COMMANDS } from '../redis/redis.tokens';
import { presenceOwnerKeys, presenceRoomKeys } from './keys';
import { HeartbeatResult, OwnerRemoval, PresenceChange, PresenceMember, presenceScripts } from './presence.scripts';

export type { HeartbeatResult, OwnerRemoval, PresenceChange, PresenceMember, RoomOccupancyChange } from './presence.scripts';

/**
 * Presence entries: per room, how many connections each owner (one node process) holds for each user; per
 * owner, a heartbeat and the rooms it holds entries in. The only code that knows these keys.
 */
@Injectable()
export class PresenceRepository {
  constructor(
    @Inject(REDIS_COMMANDS) private readonly redis: Redis,
    /** Room entries (absolute counts, idempotent; every write on one connection, so in order) and member lists: every join waits for both. */
    @Inject(REDIS_ADMISSION) private readonly admission: Redis,
  ) {}

  setConnections(room: string, owner: string, userId: string, count: number, name?: string): Promise<PresenceChange> {
    return presenceScripts.setConnections.run(this.admission, roomKeysOf(room), [owner, userId, count, name ?? '']);
  }

  /** Removes the owner's entries in the room; reports the users that left the room with them. */
  removeOwner(room: string, owner: string): Promise<OwnerRemoval> {
    return presenceScripts.removeOwner.run(this.admission, roomKeysOf(room), [owner]);
  }

  async members(room: string): Promise<PresenceMember[]> {
    const members = await presenceScripts.listMembers.run(this.admission, [presenceRoomKeys.users(room), presenceRoomKeys.names(room)], []);
    return members.sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
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

  heartbeat(owner: string, wasRegistered: boolean, ttlMs: number): Promise<HeartbeatResult> {
    return presenceScripts.heartbeat.run(this.redis, [presenceOwnerKeys.owners, presenceOwnerKeys.reaping], [owner, wasRegistered ? '1' : '0', ttlMs]);
  }

  /** True when the caller won the job of removing the owner's entries. */
  claimOwner(owner: string, ttlMs: number, force: boolean): Promise<boolean> {
    return presenceScripts.claimOwner.run(this.redis, [presenceOwnerKeys.owners, presenceOwnerKeys.reaping], [owner, ttlMs, force ? '1' : '0']);
  }

  async forgetOwner(owner: string): Promise<void> {
    await Promise.all([this.redis.del(presenceOwnerKeys.rooms(owner)), this.redis.zrem(presenceOwnerKeys.reaping, owner)]);
  }
}

function roomKeysOf(room: string): [string, string, string] {
  return [presenceRoomKeys.connections(room), presenceRoomKeys.users(room), presenceRoomKeys.names(room)];
}
