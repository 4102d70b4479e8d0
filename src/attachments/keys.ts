/**
 * Every Redis key of attachments. Metadata is per room under its `{room}` hash tag: the attachments of one
 * message share a slot, so one script checks and claims them all on Redis Cluster.
 */
export const attachmentKeys = {
  /** Hash: owner, filename, contentType, size, state (pending | attached), createdAt. */
  metadata: (room: string, attachmentId: string) => `attachment:{${room}}:${attachmentId}`,
  /**
   * Sorted set of claimed attachments, member `<attachment id> <room>` (an id holds no space), score the epoch ms
   * of its next check: the sweep that removes the files of rooms whose keys expired (AttachmentService). Not a
   * room key: it must outlive the room to find its files.
   */
  claimed: 'attachment:claimed',
  /**
   * String: bytes the user declared on one UTC day (`YYYY-MM-DD`); the `{user:<id>}` tag keeps one user's
   * counters in one slot.
   */
  dailyQuota: (userId: string, day: string) => `attachment:quota:{user:${userId}}:${day}`,
};
