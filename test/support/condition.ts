/**
 * Something that changes when an outside party acts (a request arrives): `changed()` wakes every `until`, which
 * re-checks its condition, so tests await the state instead of sleeping.
 */
export class Condition {
  private waiters: (() => void)[] = [];

  constructor(private readonly describe: () => string) {}

  changed(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  async until<T>(condition: () => T | undefined | false, timeoutMs = 20_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const result = condition();
      if (result) return result;
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`timed out after ${timeoutMs} ms; so far: ${this.describe()}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

/**
 * Polls a BullMQ queue (prefix `{bull}`) until no job waits, runs or waits for a retry, plus any `extra` count
 * (e.g. a stream's length): a queue announces nothing to a process outside it.
 */
export async function untilQueueDrained(
  redis: { llen(key: string): Promise<number>; zcard(key: string): Promise<number> },
  queue: string,
  extra: () => Promise<number> = async () => 0,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const counts = await Promise.all([
      redis.llen(`{bull}:${queue}:wait`),
      redis.llen(`{bull}:${queue}:active`),
      redis.zcard(`{bull}:${queue}:delayed`),
      extra(),
    ]);
    if (counts.every((count) => count === 0)) return;
    if (Date.now() > deadline) throw new Error(`queue ${queue} not drained after ${timeoutMs} ms: waiting, active, delayed, extra = ${counts.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Polls `probe` until it returns something truthy: for state that changes without telling anyone outside the
 * process (a background sweep), where no event can be awaited.
 */
export async function untilTrue<T>(probe: () => Promise<T | undefined | false>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await probe();
    if (result) return result;
    if (Date.now() > deadline) throw new Error(`not true after ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
