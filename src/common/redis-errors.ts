/**
 * Errors that mean "Redis, or the other nodes reached through it, cannot serve this now": the client hears
 * `unavailable` and may retry.
 * Anything else from Redis is a bug on our side and is reported as `internal`.
 */
const UNAVAILABLE_PATTERN =
  /Connection is closed|Command timed out|Command aborted due to connection close|Stream isn't writeable|Reached the max retries|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|ENOTFOUND|^LOADING|^READONLY|^CLUSTERDOWN|^MASTERDOWN|^TRYAGAIN|^OOM|^BUSY|All sentinels are unreachable|Failed to refresh slots cache|None of startup nodes is available|timeout reached while waiting for/;

export function isRedisUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return (
    error.name === 'MaxRetriesPerRequestError' ||
    error.name === 'AbortError' ||
    error.name === 'ClusterAllFailedError' ||
    UNAVAILABLE_PATTERN.test(error.message)
  );
}
