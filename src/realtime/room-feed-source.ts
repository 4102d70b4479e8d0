import type { StoredMessage } from '../common/contract';

/** A stored message as a room's live channel carries it, with the connection that already has it in its ack. */
export interface LiveMessage {
  message: StoredMessage;
  exceptConnection?: string;
}

/**
 * Where the rooms' messages are stored and published, supplied by the application under `ROOM_FEED_SOURCE`
 * (chat/), so that realtime/ delivers them without knowing the room store's keys or payloads.
 */
export interface RoomFeedSource {
  /** The sharded pub/sub channel on which every message stored in the room is published, in id order. */
  channelOf(room: string): string;
  decode(payload: string): LiveMessage;
  /** The id of the room's newest stored message, null when it has none. */
  newestId(room: string): Promise<string | null>;
  /**
   * The messages stored after `after` (from the first when null), oldest first, at most `limit`; `trimmed` when
   * the history no longer reaches back to `after`.
   */
  readAfter(room: string, after: string | null, limit: number): Promise<{ messages: StoredMessage[]; trimmed: boolean }>;
}

export const ROOM_FEED_SOURCE = Symbol('RoomFeedSource');
