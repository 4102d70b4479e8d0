/**
 * Every Redis key of the throttling module. A budget's two keys share one `{tracker}` hash tag, so that the
 * script touching both runs on one Redis Cluster slot.
 */
export const throttleKeys = (tracker: string) => ({
  hits: `throttle:{${tracker}}:hits`,
  blocked: `throttle:{${tracker}}:blocked`,
});

/** What a budget is counted against: one user's socket events, one REST client (user, API key or address), one address's handshakes. */
export const throttleTrackers = {
  socketEvents: (userId: string) => `ws:user:${userId}`,
  httpUser: (userId: string) => `http:user:${userId}`,
  /** A server API key, by its name (`apikey:<first 6 characters>`), never the key itself. */
  httpApiKey: (keyId: string) => `http:key:${keyId}`,
  httpAddress: (ip: string) => `http:ip:${ip}`,
  handshakes: (ip: string) => `handshake:ip:${ip}`,
};

/** A user's open connections across the cluster: socket id -> lease expiry (Redis time, ms). */
export const userConnectionsKey = (userId: string) => `connections:{${userId}}`;
