export interface HttpResponse<T = any> {
  status: number;
  body: T;
  /** Response headers, names in lower case. */
  headers: Record<string, string>;
}

/** A real HTTP request to a node; the body is parsed as JSON when there is one. */
export async function http<T = any>(
  baseUrl: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<HttpResponse<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const payload = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  if (payload !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${baseUrl}${path}`, { method, headers, body: payload });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: Object.fromEntries(response.headers) };
}

const POLL_INTERVAL_MS = 50;

/** The status code of a GET, or 0 when nothing answers. */
export async function httpStatus(url: string): Promise<number> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}

/**
 * Polls `url` until it answers `status`; resolves with the milliseconds that took. For states that announce
 * themselves only through an HTTP probe (readiness), where there is no event to await.
 */
export async function untilStatus(url: string, status: number, timeoutMs = 15_000): Promise<number> {
  const startedAt = Date.now();
  let last = -1;
  while (Date.now() - startedAt < timeoutMs) {
    last = await httpStatus(url);
    if (last === status) return Date.now() - startedAt;
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
  throw new Error(`${url} still answered ${last} after ${timeoutMs} ms, expected ${status}`);
}

/** Polls a node's in-flight gauge until at least `count` client events wait for an answer. */
export async function untilEventsInFlight(nodeUrl: string, count: number, timeoutMs = 5000): Promise<void> {
  const giveUpAt = Date.now() + timeoutMs;
  let last = 0;
  while (Date.now() < giveUpAt) {
    const metrics = await (await fetch(`${nodeUrl}/metrics`)).text();
    last = Number(/^chat_socket_events_in_flight (\d+)/m.exec(metrics)?.[1] ?? 0);
    if (last >= count) return;
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
  throw new Error(`${last} events in flight on ${nodeUrl} after ${timeoutMs} ms, expected ${count}`);
}
