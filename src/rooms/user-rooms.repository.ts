import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { AuthUser } from '../common/auth-user';
import { REDIS_ADMISSION, REDIS_COMMANDS } from '../redis/redis.tokens';
import { userRoomKeys } from './keys';
import { roomScripts } from './room.scripts';

/** What a token allowed, kept so that the server can tell who may read a room while that user is offline. */
export type StoredGrants = Pick<AuthUser, 'roles' | 'rooms'>;

/**
 * A user's rooms across connections and nodes, and the grants of the user's latest token: the only code that
 * knows their keys (one `{user:<id>}` slot per user).
 */
@Injectable()
export class UserRoomsRepository {
  constructor(
    @Inject(REDIS_COMMANDS) private readonly redis: Redis,
    /**
     * Holding a room at a join (and releasing it, in order on the same connection) and keeping a handshake's
     * grants: idempotent, so they may wait out a storm.
     */
    @Inject(REDIS_ADMISSION) private readonly admission: Redis,
  ) {}

  /** False when the user holds `max` other rooms already. */
  async hold(userId: string, room: string, max: number): Promise<boolean> {
    return roomScripts.holdRoom.run(this.admission, [userRoomKeys(userId).rooms], [room, max]);
  }

  async release(userId: string, room: string): Promise<void> {
    await this.admission.srem(userRoomKeys(userId).rooms, room);
  }

  /** Records that the user wrote in the room; the caller sends it once per user and room (not on every message). */
  async noteAuthored(userId: string, room: string): Promise<void> {
    await this.redis.sadd(userRoomKeys(userId).authored, room);
  }

  /** Every room that may hold something of the user: the rooms held and those written in. */
  async roomsTouchedBy(userId: string): Promise<string[]> {
    const keys = userRoomKeys(userId);
    return this.redis.sunion(keys.rooms, keys.authored);
  }

  /** Erasure: the user's rooms, grants and authored-rooms index go. */
  async forgetUser(userId: string): Promise<void> {
    const keys = userRoomKeys(userId);
    await this.redis.del(keys.rooms, keys.grants, keys.authored);
  }

  async roomsOf(userId: string): Promise<string[]> {
    return this.redis.smembers(userRoomKeys(userId).rooms);
  }

  async rememberGrants(user: AuthUser): Promise<void> {
    const grants: StoredGrants = { roles: user.roles, ...(user.rooms ? { rooms: user.rooms } : {}) };
    await this.admission.set(userRoomKeys(user.id).grants, JSON.stringify(grants));
  }

  /** Aligned with `userIds`; undefined for a user who never connected. Issued together: one pipelined round trip. */
  async grantsOf(userIds: string[]): Promise<(StoredGrants | undefined)[]> {
    const stored = await Promise.all(userIds.map((userId) => this.redis.get(userRoomKeys(userId).grants)));
    return stored.map((json) => (json ? (JSON.parse(json) as StoredGrants) : undefined));
  }
}
