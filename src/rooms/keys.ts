/**
 * Every Redis key of a chat room, and only `RoomStore` reads them. The `{room}` hash tag keeps a room's keys in
 * one Redis Cluster slot, so one script can touch the stream, the dedup marker, the mute marker, edits,
 * reactions and read markers atomically.
 */
export const roomKeys = {
  messages: (room: string) => `chat:{${room}}:messages`,
  /** The user id's length first: user `a` with `b:c` and user `a:b` with `c` must not share a marker. */
  dedup: (room: string, userId: string, clientMsgId: string) => `chat:{${room}}:dedup:${userId.length}:${userId}:${clientMsgId}`,
  mute: (room: string, userId: string) => `chat:{${room}}:mute:${userId}`,
  /** Hash: message id -> JSON { content, editedAt } of its latest edit. */
  edits: (room: string) => `chat:{${room}}:edits`,
  /** Hash: message id -> JSON { emoji: count }, the aggregate served with history. */
  reactionCounts: (room: string) => `chat:{${room}}:reaction-counts`,
  /** Hash: `<emoji>\n<userId>` -> "1"; an emoji never holds a newline, so the field is unambiguous. */
  reactionsByUser: (room: string, messageId: string) => `chat:{${room}}:reactions:${messageId}`,
  /**
   * Hash: message id -> JSON { fields, edit, reactions, deletedAt, deletedBy } of a message deleted while a legal
   * hold covered it: hidden from users, kept for export until no hold covers it (docs/COMPLIANCE.md).
   */
  heldDeletions: (room: string) => `chat:{${room}}:held-deletions`,
  /** Hash: message id -> JSON { userId, replyTo, erasedAt } of a message whose author was erased (docs/COMPLIANCE.md). */
  tombstones: (room: string) => `chat:{${room}}:tombstones`,
  /** Hash: userId -> id of the last message the user has read in the room. */
  lastRead: (room: string) => `chat:{${room}}:last-read`,
  /** Sorted set: ids of the replies to a root message, scored in send order (see scripts/threads.lua). */
  thread: (room: string, rootId: string) => `chat:{${room}}:thread:${rootId}`,
  /** The thread keys' prefix, for scripts that find a thread by an id they read from the stream. */
  threadPrefix: (room: string) => `chat:{${room}}:thread:`,
  /**
   * Not a key but a sharded pub/sub channel: the append script publishes each stored message here, in the
   * room's slot, so that Redis orders the write and its publication as one (docs/RELIABILITY.md).
   */
  live: (room: string) => `chat:{${room}}:live`,
};

/**
 * Sorted set of the names of rooms joined and not yet forgotten, all scored 0 so that it reads in name order
 * and pages by name (`ZRANGE BYLEX`), for the admin listing.
 */
export const ROOM_INDEX_KEY = 'chat:room-names';

/**
 * Every key of one user's rooms; the `{user:<id>}` hash tag keeps them in one slot. Only `UserRoomsRepository`
 * reads them.
 */
export const userRoomKeys = (userId: string) => ({
  /** Set of the rooms the user holds: joined until `room:leave`, and DM rooms once a message was sent. */
  rooms: `user:{user:${userId}}:rooms`,
  /** Set of the rooms the user wrote in, for export and erasure: a room left with `room:leave` still holds the messages. */
  authored: `user:{user:${userId}}:authored`,
  /** JSON { roles, rooms? } of the user's latest token, written at each handshake: who may read what while offline. */
  grants: `user:{user:${userId}}:grants`,
});
