import type { HandshakeErrorCode, SessionEndReason } from '../common/contract';

/** Why sessions end: the `session` reasons, or a ban (announced by a `moderation` event instead). */
export type SessionEndCause = SessionEndReason | 'banned';

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
}

export type AppEventName = keyof AppEventMap;
