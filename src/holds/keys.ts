/**
 * Every Redis key of legal holds. Holds are few (a records manager's list, not a per-message state), so they live
 * in one hash read whole: one slot on Redis Cluster, one round trip for any question about them.
 */
export const holdKeys = {
  /** Hash: hold id -> JSON `LegalHold`. */
  all: 'compliance:holds',
  /** Set: rooms with messages deleted under a hold, for the retention sweeper to purge once no hold covers them. */
  roomsWithHeldDeletions: 'compliance:held-deletion-rooms',
};
