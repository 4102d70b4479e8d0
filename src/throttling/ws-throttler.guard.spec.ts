import { ExecutionContext } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { ContractError } from '../common/contract-error';
import { RateLimitMetrics } from './rate-limit.metrics';
import { BudgetHit, RedisThrottlerStorage } from './redis-throttler.storage';
import { WsThrottlerGuard } from './ws-throttler.guard';

function guardWith(limit: number, hit: BudgetHit) {
  const calls: unknown[][] = [];
  const storage = { hit: (...args: unknown[]) => (calls.push(args), Promise.resolve(hit)) } as unknown as RedisThrottlerStorage;
  const metrics = { refused: jest.fn() } as unknown as RateLimitMetrics;
  const config = { throttle: { ws: { limit, ttlMs: 10_000 } } } as AppConfig;
  return { guard: new WsThrottlerGuard(storage, metrics, config), calls, metrics };
}

const contextOf = (userId: string) =>
  ({ switchToWs: () => ({ getClient: () => ({ data: { user: { id: userId } } }) }) }) as unknown as ExecutionContext;

describe('WsThrottlerGuard', () => {
  it('lets every event through without a Redis call when the limit is 0', () => {
    const { guard, calls } = guardWith(0, { totalHits: 1, msToExpire: 1, isBlocked: true, msToBlockExpire: 1 });
    expect(guard.canActivate(contextOf('alice'))).toBe(true);
    expect(calls).toEqual([]);
  });

  it('spends the user\'s budget, the same one on every connection', async () => {
    const { guard, calls } = guardWith(300, { totalHits: 1, msToExpire: 10_000, isBlocked: false, msToBlockExpire: 0 });
    await expect(guard.canActivate(contextOf('alice'))).resolves.toBe(true);
    expect(calls).toEqual([['ws:user:alice', 10_000, 300, 10_000]]);
  });

  it('refuses with rate_limited and the time until the budget is back', async () => {
    const { guard, metrics } = guardWith(300, { totalHits: 301, msToExpire: 7250, isBlocked: true, msToBlockExpire: 7250 });
    const refusal = guard.canActivate(contextOf('alice')) as Promise<boolean>;
    await expect(refusal).rejects.toBeInstanceOf(ContractError);
    await expect(refusal).rejects.toMatchObject({ code: 'rate_limited', details: { retryAfterMs: 7250 } });
    expect(metrics.refused).toHaveBeenCalledWith('socket_events');
  });
});

describe('RedisThrottlerStorage.increment', () => {
  it('speaks the seconds @nestjs/throttler puts in Retry-After, rounded up', async () => {
    const storage = Object.create(RedisThrottlerStorage.prototype) as RedisThrottlerStorage;
    storage.hit = () => Promise.resolve({ totalHits: 4, msToExpire: 1200, isBlocked: true, msToBlockExpire: 59_001 });
    await expect(storage.increment('http:ip:1.2.3.4', 60_000, 3, 60_000)).resolves.toEqual({ totalHits: 4, timeToExpire: 2, isBlocked: true, timeToBlockExpire: 60 });
  });
});
