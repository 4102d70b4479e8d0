import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { REDIS_COMMANDS } from '../redis/redis.tokens';
import { holdKeys } from './keys';
import { LegalHold } from './legal-hold';

@Injectable()
export class HoldRepository {
  constructor(@Inject(REDIS_COMMANDS) private readonly redis: Redis) {}

  async save(hold: LegalHold): Promise<void> {
    await this.redis.hset(holdKeys.all, hold.id, JSON.stringify(hold));
  }

  async all(): Promise<LegalHold[]> {
    const values = await this.redis.hvals(holdKeys.all);
    return values.map((value) => JSON.parse(value) as LegalHold).sort((a, b) => a.createdAt - b.createdAt);
  }

  /** False when there was no such hold. */
  async remove(id: string): Promise<boolean> {
    return (await this.redis.hdel(holdKeys.all, id)) === 1;
  }

  async noteHeldDeletions(room: string): Promise<void> {
    await this.redis.sadd(holdKeys.roomsWithHeldDeletions, room);
  }

  async roomsWithHeldDeletions(): Promise<string[]> {
    return this.redis.smembers(holdKeys.roomsWithHeldDeletions);
  }

  async forgetHeldDeletions(room: string): Promise<void> {
    await this.redis.srem(holdKeys.roomsWithHeldDeletions, room);
  }
}
