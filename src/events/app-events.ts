import type { HandshakeErrorCode, SessionEndReason, StoredMessage } from '../common/contract';

/** Why sessions end: the `session` reasons, a ban (announced by a `moderation` event instead), or the server API's order. */
export type SessionEndCause = SessionEndReason | 'banned' | 'disconnected';

/**
 * Domain events inside one node, and their payloads: the one place that says what can happen, and (through
 * `@OnAppEvent`) who reacts to it. Emitting awaits every listener, so that what they record exists before the
 * client sees the outcome; a listener's failure is logged and never fails the emitter.
 */
export interface AppEventMap {
  /** A node is about to end a user's connections it holds (ban, revocation, logout, expiry). */
  'session.ending': { userId: string; cause: SessionEndCause; connections: number };
  /** A handshake was refused for an identity reason. */
  'handshake.refused': { code: HandshakeErrorCode; message: string; userId?: string; address: string };
  /**
   * A message was stored that names people beyond its room's live audience: a DM (`dmPeer`, the other user) or
   * a message with mentions. Only such messages are announced, so that the send path of the rest costs nothing.
   * `mentioned`: whom to tell of a mention when not all of `message.mentions` (an edit: only the users it newly names).
   */
  'message.addressed': { message: StoredMessage; dmPeer?: string; mentioned?: string[] };
  /**
   * Facts decided once cluster-wide (by the script that stored, edited or deleted the message, or turned a
   * presence count from or to zero), so each is emitted by exactly one node. Emitters do not await them.
   */
  'message.created': StoredMessage;
  'message.edited': StoredMessage;
  'message.deleted': { room: string; messageId: string; by: string };
  'member.joined': { room: string; userId: string };
  'member.left': { room: string; userId: string };
  /** First member in, cluster-wide. */
  'room.occupied': { room: string };
  /** Last member out, cluster-wide. */
  'room.vacated': { room: string };
}

export type AppEventName = keyof AppEventMap;
