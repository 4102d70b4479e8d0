import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { REDIS_ADMISSION, REDIS_COMMANDS } from '../redis/redis.tokens';
import { userConnectionsKey } from './keys';
import { throttleScripts } from './throttle.scripts';

/** Each user's open connections across the cluster, as leases that the holding node keeps renewing. */
@Injectable()
export class ConnectionRegistry {
  constructor(
    @Inject(REDIS_COMMANDS) private readonly redis: Redis,
    /** A lease is taken by a handshake: idempotent (one member per connection), so it may wait out a storm. */
    @Inject(REDIS_ADMISSION) private readonly admission: Redis,
  ) {}

  /** Takes a lease unless the user already holds `max` live ones. */
  admit(userId: string, socketId: string, leaseMs: number, max: number): Promise<boolean> {
    return throttleScripts.admitConnection.run(this.admission, [userConnectionsKey(userId)], [socketId, leaseMs, max]);
  }

  async renew(userId: string, socketIds: string[], leaseMs: number): Promise<void> {
    await throttleScripts.renewConnections.run(this.redis, [userConnectionsKey(userId)], [leaseMs, ...socketIds]);
  }

  /** For `OnlineUsers` alone: one small script per user, issued together, so one pipelined round trip. */
  async areOnline(userIds: string[]): Promise<boolean[]> {
    const counts = await Promise.all(userIds.map((userId) => throttleScripts.countLiveConnections.run(this.redis, [userConnectionsKey(userId)], [])));
    return counts.map((count) => count > 0);
  }

  async release(userId: string, socketId: string): Promise<void> {
    await this.redis.zrem(userConnectionsKey(userId), socketId);
  }
}
