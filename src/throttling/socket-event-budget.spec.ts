import type { AppConfig } from '../config/app-config';
import { RateLimitReporter } from './rate-limit.reporter';
import { BudgetGrant, RedisThrottlerStorage } from './redis-throttler.storage';
import { SocketEventBudget } from './socket-event-budget';
import { fake } from '../testing/fakes';

function budgetWith(limit: number, grants: BudgetGrant[]) {
  const calls: unknown[][] = [];
  const storage = fake<RedisThrottlerStorage>({
    grant: (...args: unknown[]) => (calls.push(args), Promise.resolve(grants.shift() ?? { granted: 0, msToExpire: 5000 })),
  });
  const config = { throttle: { ws: { limit, ttlMs: 10_000 } } } as AppConfig;
  const reporter = fake<RateLimitReporter>({ refused: jest.fn() });
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
    const { budget, calls } = budgetWith(5, [
      { granted: 1, msToExpire: 2000 },
      { granted: 0, msToExpire: 1500 },
    ]);
    await expect(budget.spend('alice')).resolves.toEqual({ allowed: true });
    await expect(budget.spend('alice')).resolves.toEqual({ allowed: false, retryAfterMs: expect.any(Number) });
    expect(calls.map((call) => call[3])).toEqual([1, 1]);
  });

  it('refuses locally while the window is spent, and asks again once it has ended', async () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const { budget, calls } = budgetWith(300, [
      { granted: 0, msToExpire: 4000 },
      { granted: 15, msToExpire: 10_000 },
    ]);
    await expect(budget.spend('alice')).resolves.toEqual({ allowed: false, retryAfterMs: 4000 });
    jest.setSystemTime(1_002_500);
    expect(budget.spend('alice')).toEqual({ allowed: false, retryAfterMs: 1500 });
    expect(calls).toHaveLength(1);
    jest.setSystemTime(1_004_001);
    await expect(budget.spend('alice')).resolves.toEqual({ allowed: true });
    expect(calls).toHaveLength(2);
  });
});

/** A storage whose grants are answered one at a time by the test, as Redis answers them later. */
function budgetWithPendingGrants(limit: number) {
  const pending: ((grant: BudgetGrant) => void)[] = [];
  const storage = fake<RedisThrottlerStorage>({ grant: () => new Promise<BudgetGrant>((resolve) => pending.push(resolve)) });
  const config = { throttle: { ws: { limit, ttlMs: 10_000 } } } as AppConfig;
  const budget = new SocketEventBudget(storage, fake<RateLimitReporter>({ refused: jest.fn() }), config);
  const handled: number[] = [];
  /** What the router does with an event: spend, await only a promise, then hand the event on. */
  const dispatch = async (event: number) => {
    const decision = budget.spend('alice');
    if (decision instanceof Promise) await decision;
    handled.push(event);
  };
  const answer = (grant: BudgetGrant) => pending.shift()!(grant);
  return { budget, dispatch, answer, handled, pendingGrants: () => pending.length };
}

const nextMacrotask = () => new Promise((resolve) => setImmediate(resolve));
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe('SocketEventBudget: events of one user are handed on in the order they arrived', () => {
  afterEach(() => jest.useRealTimers());

  it('when more events waited for a slice than it holds, and more arrive while the next slice is on its way', async () => {
    const { dispatch, answer, handled, pendingGrants } = budgetWithPendingGrants(300);
    const done = range(0, 20).map(dispatch);
    answer({ granted: 15, msToExpire: 10_000 });
    await nextMacrotask();
    expect(pendingGrants()).toBe(1);
    done.push(...range(20, 30).map(dispatch));
    answer({ granted: 15, msToExpire: 10_000 });
    await Promise.all(done);
    expect(handled).toEqual(range(0, 30));
  });

  it('when the slice arrives with its window already over', async () => {
    const { dispatch, answer, handled } = budgetWithPendingGrants(300);
    const done = range(0, 4).map(dispatch);
    answer({ granted: 15, msToExpire: 0 });
    await nextMacrotask();
    done.push(...range(4, 10).map(dispatch));
    await nextMacrotask();
    answer({ granted: 15, msToExpire: 10_000 });
    await Promise.all(done);
    expect(handled).toEqual(range(0, 10));
  });

  it('refuses, in order, the waiting events the window has no room for', async () => {
    const { answer, budget } = budgetWithPendingGrants(300);
    const decisions = range(0, 5).map(() => budget.spend('alice'));
    answer({ granted: 2, msToExpire: 10_000 });
    await nextMacrotask();
    answer({ granted: 0, msToExpire: 3_000 });
    expect(await Promise.all(decisions)).toEqual([
      { allowed: true },
      { allowed: true },
      { allowed: false, retryAfterMs: expect.any(Number) },
      { allowed: false, retryAfterMs: expect.any(Number) },
      { allowed: false, retryAfterMs: expect.any(Number) },
    ]);
  });
});

describe('RedisThrottlerStorage.increment', () => {
  it('speaks the seconds @nestjs/throttler puts in Retry-After, rounded up', async () => {
    const storage = Object.create(RedisThrottlerStorage.prototype) as RedisThrottlerStorage;
    storage.hit = () => Promise.resolve({ totalHits: 4, msToExpire: 1200, isBlocked: true, msToBlockExpire: 59_001 });
    await expect(storage.increment('http:ip:1.2.3.4', 60_000, 3, 60_000)).resolves.toEqual({
      totalHits: 4,
      timeToExpire: 2,
      isBlocked: true,
      timeToBlockExpire: 60,
    });
  });
});
