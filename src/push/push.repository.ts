import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { REDIS_COMMANDS } from '../redis/redis.tokens';
import { pushKeys } from './keys';
import { pushScripts } from './push.scripts';
import { PushSubscription } from './push-subscription';

/** A user's Web Push subscriptions: the only code that knows their keys. */
@Injectable()
export class PushRepository {
  constructor(@Inject(REDIS_COMMANDS) private readonly redis: Redis) {}

  async save(userId: string, subscription: PushSubscription, maxPerUser: number): Promise<void> {
    const keys = pushKeys(userId);
    await pushScripts.saveSubscription.run(
      this.redis,
      [keys.subscriptions, keys.order],
      [subscription.endpoint, JSON.stringify(subscription), Date.now(), maxPerUser],
    );
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
