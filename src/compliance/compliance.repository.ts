import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { REDIS_COMMANDS } from '../redis/redis.tokens';
import { complianceScripts } from './compliance.scripts';
import { complianceKeys } from './keys';

@Injectable()
export class ComplianceRepository {
  constructor(@Inject(REDIS_COMMANDS) private readonly redis: Redis) {}

  async setRetention(room: string, maxAgeSeconds: number): Promise<void> {
    await this.redis.hset(complianceKeys.retentionPolicies, room, maxAgeSeconds);
  }

  /** False when the room had no policy. */
  async removeRetention(room: string): Promise<boolean> {
    return (await this.redis.hdel(complianceKeys.retentionPolicies, room)) === 1;
  }

  async retentionPolicies(): Promise<Map<string, number>> {
    const raw = await this.redis.hgetall(complianceKeys.retentionPolicies);
    return new Map(Object.entries(raw).map(([room, seconds]) => [room, Number(seconds)]));
  }

  acquireSweepLease(nodeId: string, ttlMs: number): Promise<boolean> {
    return complianceScripts.acquireLease.run(this.redis, [complianceKeys.sweepLease], [nodeId, ttlMs]);
  }

  async sweepCursor(): Promise<string | undefined> {
    return (await this.redis.get(complianceKeys.sweepCursor)) ?? undefined;
  }

  /** `undefined` starts the next walk from the first room again. */
  async roomsKeptForHolds(): Promise<string[]> {
    return this.redis.smembers(complianceKeys.roomsKeptForHolds);
  }

  async noteRoomsKeptForHolds(rooms: string[]): Promise<void> {
    if (rooms.length > 0) await this.redis.sadd(complianceKeys.roomsKeptForHolds, ...rooms);
  }

  async forgetRoomsKeptForHolds(rooms: string[]): Promise<void> {
    if (rooms.length > 0) await this.redis.srem(complianceKeys.roomsKeptForHolds, ...rooms);
  }

  /** Records an erasure and the rooms it must go through, in one transaction. */
  async requestErasure(userId: string, rooms: string[]): Promise<void> {
    const transaction = this.redis.multi().sadd(complianceKeys.pendingErasures, userId);
    if (rooms.length > 0) transaction.hset(complianceKeys.erasureRooms(userId), Object.fromEntries(rooms.map((room) => [room, '-'])));
    await transaction.exec();
  }

  async pendingErasures(): Promise<string[]> {
    return this.redis.smembers(complianceKeys.pendingErasures);
  }

  /** Each room the erasure has left to do, with where it stopped there. */
  async erasureRooms(userId: string): Promise<Map<string, string>> {
    return new Map(Object.entries(await this.redis.hgetall(complianceKeys.erasureRooms(userId))));
  }

  async saveErasureCursor(userId: string, room: string, cursor: string): Promise<void> {
    await this.redis.hset(complianceKeys.erasureRooms(userId), room, cursor);
  }

  async finishErasureRoom(userId: string, room: string): Promise<void> {
    await this.redis.hdel(complianceKeys.erasureRooms(userId), room);
  }

  async finishErasure(userId: string): Promise<void> {
    await this.redis.multi().del(complianceKeys.erasureRooms(userId)).srem(complianceKeys.pendingErasures, userId).exec();
  }

  async saveSweepCursor(room: string | undefined): Promise<void> {
    if (room === undefined) await this.redis.del(complianceKeys.sweepCursor);
    else await this.redis.set(complianceKeys.sweepCursor, room);
  }
}
