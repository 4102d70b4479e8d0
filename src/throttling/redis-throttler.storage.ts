import { Inject, Injectable } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import type { Redis } from 'ioredis';
import { REDIS_ADMISSION, REDIS_COMMANDS } from '../redis/redis.tokens';
import { throttleKeys } from './keys';
import { BudgetGrant, BudgetHit, throttleScripts } from './throttle.scripts';

export type { BudgetGrant, BudgetHit } from './throttle.scripts';

/**
 * Budgets shared by every node: one atomic script per hit (a single EVALSHA on the autopipelined commands
 * connection). `hit` speaks milliseconds for our own guards; `increment` is the `@nestjs/throttler` storage
 * interface, which speaks seconds (its guard puts them in `Retry-After`).
 */
@Injectable()
export class RedisThrottlerStorage implements ThrottlerStorage {
  constructor(
    @Inject(REDIS_COMMANDS) private readonly redis: Redis,
    @Inject(REDIS_ADMISSION) private readonly admission: Redis,
  ) {}

  /** `isAdmission`: a handshake's, on the admission connection with its other commands. */
  hit(tracker: string, ttlMs: number, limit: number, blockMs: number, isAdmission = false): Promise<BudgetHit> {
    const keys = throttleKeys(tracker);
    return throttleScripts.hit.run(isAdmission ? this.admission : this.redis, [keys.hits, keys.blocked], [ttlMs, limit, blockMs]);
  }

  /** A slice of up to `want` hits of the tracker's window, already counted against it. */
  grant(tracker: string, ttlMs: number, limit: number, want: number, isAdmission = false): Promise<BudgetGrant> {
    return throttleScripts.grant.run(isAdmission ? this.admission : this.redis, [throttleKeys(tracker).hits], [ttlMs, limit, want]);
  }

  async increment(key: string, ttl: number, limit: number, blockDuration: number): ReturnType<ThrottlerStorage['increment']> {
    const { totalHits, msToExpire, isBlocked, msToBlockExpire } = await this.hit(key, ttl, limit, blockDuration);
    return { totalHits, timeToExpire: toSeconds(msToExpire), isBlocked, timeToBlockExpire: isBlocked ? toSeconds(msToBlockExpire) : 0 };
  }
}

/** Whole seconds, rounded up: a client that waits this long is through. */
export const toSeconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));
