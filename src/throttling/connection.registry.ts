import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { REDIS_ADMISSION, REDIS_COMMANDS } from '../redis/redis.tokens';
import { userConnectionsKey } from './keys';
import { ADMIT_CONNECTION_SCRIPT, COUNT_LIVE_CONNECTIONS_SCRIPT, RENEW_CONNECTIONS_SCRIPT } from './throttle.scripts';

interface ConnectionScripts {
  admitConnection(key: string, socketId: string, leaseMs: number, max: number): Promise<number>;
  renewConnections(key: string, leaseMs: number, ...socketIds: string[]): Promise<number>;
  countLiveConnections(key: string): Promise<number>;
}

/** Each user's open connections across the cluster, as leases that the holding node keeps renewing. */
@Injectable()
export class ConnectionRegistry {
  private readonly redis: Redis & ConnectionScripts;
  /** A lease is taken by a handshake: idempotent (one member per connection), so it may wait out a storm. */
  private readonly admission: Redis & ConnectionScripts;

  constructor(@Inject(REDIS_COMMANDS) redis: Redis, @Inject(REDIS_ADMISSION) admission: Redis) {
    redis.defineCommand('admitConnection', { numberOfKeys: 1, lua: ADMIT_CONNECTION_SCRIPT });
    redis.defineCommand('renewConnections', { numberOfKeys: 1, lua: RENEW_CONNECTIONS_SCRIPT });
    redis.defineCommand('countLiveConnections', { numberOfKeys: 1, lua: COUNT_LIVE_CONNECTIONS_SCRIPT });
    this.redis = redis as Redis & ConnectionScripts;
    this.admission = admission as Redis & ConnectionScripts;
  }

  /** Takes a lease unless the user already holds `max` live ones. */
  async admit(userId: string, socketId: string, leaseMs: number, max: number): Promise<boolean> {
    return (await this.admission.admitConnection(userConnectionsKey(userId), socketId, leaseMs, max)) === 1;
  }

  async renew(userId: string, socketIds: string[], leaseMs: number): Promise<void> {
    await this.redis.renewConnections(userConnectionsKey(userId), leaseMs, ...socketIds);
  }

  /** For `OnlineUsers` alone: one small script per user, issued together, so one pipelined round trip. */
  async areOnline(userIds: string[]): Promise<boolean[]> {
    const counts = await Promise.all(userIds.map((userId) => this.redis.countLiveConnections(userConnectionsKey(userId))));
    return counts.map((count) => count > 0);
  }

  async release(userId: string, socketId: string): Promise<void> {
    await this.redis.zrem(userConnectionsKey(userId), socketId);
  }
}
