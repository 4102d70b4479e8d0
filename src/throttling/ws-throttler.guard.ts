import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { AppConfig, ThrottleConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import type { ChatSocket } from '../common/chat-socket';
import { ContractError } from '../common/contract-error';
import { throttleTrackers } from './keys';
import { RateLimitMetrics } from './rate-limit.metrics';
import { RedisThrottlerStorage } from './redis-throttler.storage';

/**
 * One budget of socket events per user, shared by all of the user's connections on every node. Over it, the
 * event is not handled and the exception filter acks `rate_limited` with `details.retryAfterMs`.
 * On the hot path of every event: one script call, no other await.
 */
@Injectable()
export class WsThrottlerGuard implements CanActivate {
  private readonly budget: ThrottleConfig;

  constructor(
    private readonly storage: RedisThrottlerStorage,
    private readonly metrics: RateLimitMetrics,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.budget = config.throttle.ws;
  }

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const { limit, ttlMs } = this.budget;
    if (limit === 0) return true;
    const socket = context.switchToWs().getClient<ChatSocket>();
    return this.storage.hit(throttleTrackers.socketEvents(socket.data.user.id), ttlMs, limit, ttlMs).then(({ isBlocked, msToBlockExpire }) => {
      if (!isBlocked) return true;
      this.metrics.refused('socket_events');
      throw new ContractError('rate_limited', 'too many events: slow down', { retryAfterMs: msToBlockExpire });
    });
  }
}
