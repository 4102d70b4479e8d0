import { AsyncLocalStorage } from 'node:async_hooks';

/** What every log line written while handling one request, socket event or connection carries. */
export interface LogContext {
  requestId?: string;
  connectionId?: string;
  userId?: string;
}

const storage = new AsyncLocalStorage<LogContext>();

/** Runs `work` (and everything it awaits) with `context` on each log line, so no logger is passed around. */
export function withLogContext<T>(context: LogContext, work: () => T): T {
  return storage.run(context, work);
}

export function currentLogContext(): LogContext | undefined {
  return storage.getStore();
}
