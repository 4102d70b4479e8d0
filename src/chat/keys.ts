/**
 * Every Redis key of a chat room. The `{room}` hash tag keeps a room's keys in one Redis Cluster slot, so
 * the send script can touch the stream, the dedup marker and the mute marker atomically.
 */
export const roomKeys = {
  messages: (room: string) => `chat:{${room}}:messages`,
  dedup: (room: string, userId: string, clientMsgId: string) => `chat:{${room}}:dedup:${userId}:${clientMsgId}`,
  mute: (room: string, userId: string) => `chat:{${room}}:mute:${userId}`,
  /** Hash: message id -> JSON { content, editedAt } of its latest edit. */
  edits: (room: string) => `chat:{${room}}:edits`,
  /** Hash: message id -> JSON { emoji: count }, the aggregate served with history. */
  reactionCounts: (room: string) => `chat:{${room}}:reaction-counts`,
};

/** All rooms that were ever joined, for the admin listing. */
export const ROOM_INDEX_KEY = 'chat:rooms';
