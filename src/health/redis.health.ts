import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { Redis } from 'ioredis';
import { REDIS_COMMANDS } from '../redis/redis.tokens';

/** Well under a probe's usual 1 s timeout, so the probe hears "down" rather than nothing. */
const PING_TIMEOUT_MS = 800;

@Injectable()
export class RedisHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    @Inject(REDIS_COMMANDS) private readonly redis: Redis,
  ) {}

  isReachable() {
    return this.health
      .check('redis')
      .attempt(async () => {
        const reply = await this.redis.ping();
        if (reply !== 'PONG') throw new Error(`unexpected PING reply ${reply}`);
      })
      .withTimeout(PING_TIMEOUT_MS);
  }
}
