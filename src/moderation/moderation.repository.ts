import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { REDIS_ADMISSION, REDIS_COMMANDS } from '../redis/redis.tokens';
import { moderationKeys } from './keys';

/** The users the cluster has seen. Room state (mutes, the room index) is the room store's. */
@Injectable()
export class ModerationRepository {
  constructor(
    @Inject(REDIS_COMMANDS) private readonly redis: Redis,
    @Inject(REDIS_ADMISSION) private readonly admission: Redis,
  ) {}

  /** A step of every handshake. */
  async rememberUser(userId: string): Promise<void> {
    await this.admission.set(moderationKeys.knownUser(userId), String(Date.now()));
  }

  /** Erasure: the user is no longer known to the admin API. */
  async forgetUser(userId: string): Promise<void> {
    await this.redis.del(moderationKeys.knownUser(userId));
  }

  async isKnownUser(userId: string): Promise<boolean> {
    return (await this.redis.exists(moderationKeys.knownUser(userId))) === 1;
  }
}
