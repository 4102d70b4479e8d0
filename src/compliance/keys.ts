/**
 * Every Redis key of retention. Policies are set by admins, one per room at most: one hash, read whole by the
 * sweeper at each tick. The lease and the cursor make the cluster's sweeps one at a time and let any node resume
 * where a dead one stopped.
 */
export const complianceKeys = {
  /** Hash: room -> maximum age of its messages in seconds. */
  retentionPolicies: 'compliance:retention',
  /** String: NODE_ID of the node that sweeps, with a TTL that it renews at each tick while it lives. */
  sweepLease: 'compliance:sweep:lease',
  /** String: the last room name the default-policy walk finished, so the next tick (on any node) goes on after it. */
  sweepCursor: 'compliance:sweep:cursor',
  /** Set: rooms whose keys the sweeper took the expiry off for a hold, to give it back once no hold covers them. */
  roomsKeptForHolds: 'compliance:rooms-kept-for-holds',
  /** Set: users whose erasure was asked for and is not finished. */
  pendingErasures: 'compliance:erasures',
  /**
   * Hash: room -> the last message id an erasure examined there ('-' before it starts), for every room it still has to
   * go through; the `{user:<id>}` tag puts it beside the user's own keys.
   */
  erasureRooms: (userId: string) => `compliance:{user:${userId}}:erasure-rooms`,
};
