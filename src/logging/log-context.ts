import { AsyncLocalStorage } from 'node:async_hooks';

/** What every log line written while handling one request, socket event or connection carries. */
export interface LogContext {
  requestId?: string;
  connectionId?: string;
  userId?: string;
}

/**
 * How far a context reaches. `sync`: the lines written before the work's first await, and the lines that name
 * it again after one (event outcomes, unexpected errors). `async`: every line the work writes, awaits included,
 * through AsyncLocalStorage; on Node 20 that installs promise hooks for the whole process, which cost a quarter of
 * the send path's CPU (docs/PERFORMANCE.md), so it is opt-in (LOG_CONTEXT=async).
 */
export type LogContextReach = 'sync' | 'async';

const storage = new AsyncLocalStorage<LogContext>();
let reach: LogContextReach = 'sync';
let synchronousContext: LogContext | undefined;

/** Set once at start-up, before anything logs. */
export function setLogContextReach(chosen: LogContextReach): void {
  reach = chosen;
}

/** Runs `work` with `context` on each log line it writes, as far as the reach allows, so no logger is passed around. */
export function withLogContext<T>(context: LogContext, work: () => T): T {
  if (reach === 'async') return storage.run(context, work);
  const outer = synchronousContext;
  synchronousContext = context;
  try {
    return work();
  } finally {
    synchronousContext = outer;
  }
}

export function currentLogContext(): LogContext | undefined {
  return reach === 'async' ? storage.getStore() : synchronousContext;
}
