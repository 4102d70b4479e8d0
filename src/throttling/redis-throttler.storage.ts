import { Inject, Injectable } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import type { Redis } from 'ioredis';
import { REDIS_ADMISSION, REDIS_COMMANDS } from '../redis/redis.tokens';
import { throttleKeys } from './keys';
import { GRANT_SCRIPT, HIT_SCRIPT } from './throttle.scripts';

export interface BudgetHit {
  totalHits: number;
  msToExpire: number;
  isBlocked: boolean;
  msToBlockExpire: number;
}

export interface BudgetGrant {
  granted: number;
  msToExpire: number;
}

interface ThrottleScripts {
  throttleHit(hitsKey: string, blockedKey: string, ttlMs: number, limit: number, blockMs: number): Promise<[number, number, number, number]>;
  throttleGrant(hitsKey: string, ttlMs: number, limit: number, want: number): Promise<[number, number]>;
}

/**
 * Budgets shared by every node: one atomic script per hit (a single EVALSHA on the autopipelined commands
 * connection). `hit` speaks milliseconds for our own guards; `increment` is the `@nestjs/throttler` storage
 * interface, which speaks seconds (its guard puts them in `Retry-After`).
 */
@Injectable()
export class RedisThrottlerStorage implements ThrottlerStorage {
  private readonly redis: Redis & ThrottleScripts;
  private readonly admission: Redis & ThrottleScripts;

  constructor(@Inject(REDIS_COMMANDS) redis: Redis, @Inject(REDIS_ADMISSION) admission: Redis) {
    redis.defineCommand('throttleHit', { numberOfKeys: 2, lua: HIT_SCRIPT });
    redis.defineCommand('throttleGrant', { numberOfKeys: 1, lua: GRANT_SCRIPT });
    this.redis = redis as Redis & ThrottleScripts;
    this.admission = admission as Redis & ThrottleScripts;
  }

  /** `isAdmission`: a handshake's, on the admission connection with its other commands. */
  hit(tracker: string, ttlMs: number, limit: number, blockMs: number, isAdmission = false): Promise<BudgetHit> {
    const keys = throttleKeys(tracker);
    return (isAdmission ? this.admission : this.redis).throttleHit(keys.hits, keys.blocked, ttlMs, limit, blockMs).then(([totalHits, msToExpire, blocked, msToBlockExpire]) => ({
      totalHits,
      msToExpire,
      isBlocked: blocked === 1,
      msToBlockExpire,
    }));
  }

  /** A slice of up to `want` hits of the tracker's window, already counted against it. */
  grant(tracker: string, ttlMs: number, limit: number, want: number, isAdmission = false): Promise<BudgetGrant> {
    return (isAdmission ? this.admission : this.redis).throttleGrant(throttleKeys(tracker).hits, ttlMs, limit, want).then(([granted, msToExpire]) => ({ granted, msToExpire }));
  }

  async increment(key: string, ttl: number, limit: number, blockDuration: number): ReturnType<ThrottlerStorage['increment']> {
    const { totalHits, msToExpire, isBlocked, msToBlockExpire } = await this.hit(key, ttl, limit, blockDuration);
    return { totalHits, timeToExpire: toSeconds(msToExpire), isBlocked, timeToBlockExpire: isBlocked ? toSeconds(msToBlockExpire) : 0 };
  }
}

/** Whole seconds, rounded up: a client that waits this long is through. */
export const toSeconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));
