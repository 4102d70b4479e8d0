/**
 * Every Redis key of attachments. Metadata is per room under its `{room}` hash tag: the attachments of one
 * message share a slot, so one script checks and claims them all on Redis Cluster.
 */
export const attachmentKeys = {
  /** Hash: owner, filename, contentType, size, state (pending | attached), createdAt. */
  metadata: (room: string, attachmentId: string) => `attachment:{${room}}:${attachmentId}`,
  /**
   * String: bytes the user declared on one UTC day (`YYYY-MM-DD`); the `{user:<id>}` tag keeps one user's
   * counters in one slot.
   */
  dailyQuota: (userId: string, day: string) => `attachment:quota:{user:${userId}}:${day}`,
};
