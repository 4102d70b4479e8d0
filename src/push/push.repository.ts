import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { REDIS_COMMANDS } from '../redis/redis.tokens';
import { pushKeys } from './keys';
import { PushSubscription } from './push-subscription';

/**
 * Saves or refreshes one subscription and drops the oldest beyond the bound, atomically.
 * KEYS: subscriptions, order. ARGV: endpoint, subscription JSON, now, max per user.
 */
const SAVE_SCRIPT = `
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
local excess = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[4])
if excess > 0 then
  local dropped = redis.call('ZPOPMIN', KEYS[2], excess)
  for i = 1, #dropped, 2 do redis.call('HDEL', KEYS[1], dropped[i]) end
end
return 1
`;

/** A user's Web Push subscriptions: the only code that knows their keys. */
@Injectable()
export class PushRepository {
  constructor(@Inject(REDIS_COMMANDS) private readonly redis: Redis) {
    this.redis.defineCommand('pushSaveSubscription', { numberOfKeys: 2, lua: SAVE_SCRIPT });
  }

  async save(userId: string, subscription: PushSubscription, maxPerUser: number): Promise<void> {
    const keys = pushKeys(userId);
    const save = (this.redis as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>).pushSaveSubscription;
    await save.call(this.redis, keys.subscriptions, keys.order, subscription.endpoint, JSON.stringify(subscription), Date.now(), maxPerUser);
  }

  async remove(userId: string, endpoint: string): Promise<void> {
    const keys = pushKeys(userId);
    await this.redis.multi().hdel(keys.subscriptions, endpoint).zrem(keys.order, endpoint).exec();
  }

  async removeAll(userId: string): Promise<void> {
    const keys = pushKeys(userId);
    await this.redis.del(keys.subscriptions, keys.order);
  }

  async list(userId: string): Promise<PushSubscription[]> {
    const stored = await this.redis.hvals(pushKeys(userId).subscriptions);
    return stored.map((json) => JSON.parse(json) as PushSubscription);
  }
}
