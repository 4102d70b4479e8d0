import type { AppConfig } from '../config/app-config';
import { RateLimitReporter } from './rate-limit.reporter';
import { BudgetGrant, RedisThrottlerStorage } from './redis-throttler.storage';
import { SocketEventBudget } from './socket-event-budget';

function budgetWith(limit: number, grants: BudgetGrant[]) {
  const calls: unknown[][] = [];
  const storage = { grant: (...args: unknown[]) => (calls.push(args), Promise.resolve(grants.shift() ?? { granted: 0, msToExpire: 5000 })) } as unknown as RedisThrottlerStorage;
  const config = { throttle: { ws: { limit, ttlMs: 10_000 } } } as AppConfig;
  const reporter = { refused: jest.fn() } as unknown as RateLimitReporter;
  return { budget: new SocketEventBudget(storage, reporter, config), calls, reporter };
}

describe('SocketEventBudget', () => {
  afterEach(() => jest.useRealTimers());

  it('asks Redis for a twentieth of the window and spends it without further round trips', async () => {
    const { budget, calls } = budgetWith(300, [{ granted: 15, msToExpire: 10_000 }]);
    await expect(budget.spend('alice')).resolves.toEqual({ allowed: true });
    for (let i = 0; i < 14; i++) expect(budget.spend('alice')).toEqual({ allowed: true });
    expect(calls).toEqual([['ws:user:alice', 10_000, 300, 15, false]]);
    expect(budget.spend('alice')).toBeInstanceOf(Promise);
  });

  it("asks on the admission connection for a join's slice", async () => {
    const { budget, calls } = budgetWith(300, [{ granted: 15, msToExpire: 10_000 }]);
    await expect(budget.spend('alice', true)).resolves.toEqual({ allowed: true });
    expect(calls).toEqual([['ws:user:alice', 10_000, 300, 15, true]]);
  });

  it('asks once for events that arrive while a slice is on its way', async () => {
    const { budget, calls } = budgetWith(300, [{ granted: 15, msToExpire: 10_000 }]);
    const decisions = await Promise.all([budget.spend('alice'), budget.spend('alice'), budget.spend('alice')]);
    expect(decisions).toEqual([{ allowed: true }, { allowed: true }, { allowed: true }]);
    expect(calls).toHaveLength(1);
  });

  it('keeps small limits exact: one event per request', async () => {
    const { budget, calls } = budgetWith(5, [{ granted: 1, msToExpire: 2000 }, { granted: 0, msToExpire: 1500 }]);
    await expect(budget.spend('alice')).resolves.toEqual({ allowed: true });
    await expect(budget.spend('alice')).resolves.toEqual({ allowed: false, retryAfterMs: expect.any(Number) });
    expect(calls.map((call) => call[3])).toEqual([1, 1]);
  });

  it('refuses locally while the window is spent, and asks again once it has ended', async () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const { budget, calls } = budgetWith(300, [{ granted: 0, msToExpire: 4000 }, { granted: 15, msToExpire: 10_000 }]);
    await expect(budget.spend('alice')).resolves.toEqual({ allowed: false, retryAfterMs: 4000 });
    jest.setSystemTime(1_002_500);
    expect(budget.spend('alice')).toEqual({ allowed: false, retryAfterMs: 1500 });
    expect(calls).toHaveLength(1);
    jest.setSystemTime(1_004_001);
    await expect(budget.spend('alice')).resolves.toEqual({ allowed: true });
    expect(calls).toHaveLength(2);
  });
});

describe('RedisThrottlerStorage.increment', () => {
  it('speaks the seconds @nestjs/throttler puts in Retry-After, rounded up', async () => {
    const storage = Object.create(RedisThrottlerStorage.prototype) as RedisThrottlerStorage;
    storage.hit = () => Promise.resolve({ totalHits: 4, msToExpire: 1200, isBlocked: true, msToBlockExpire: 59_001 });
    await expect(storage.increment('http:ip:1.2.3.4', 60_000, 3, 60_000)).resolves.toEqual({ totalHits: 4, timeToExpire: 2, isBlocked: true, timeToBlockExpire: 60 });
  });
});
