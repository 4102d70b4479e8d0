import { HandshakeErrorCode, SessionEndReason } from './contract';

/**
 * Refuses a connection (or an HTTP request) for an identity reason; `code` is the contract's connect_error code.
 * `userId` is set once the token's signature proved who it is (revoked, banned). `sessionEnd` is what a connection
 * already open with the token hears when this refusal ends it (`logout` for a logged-out token, else `revoked`).
 */
export class AuthenticationError extends Error {
  constructor(
    readonly code: HandshakeErrorCode,
    message: string,
    readonly userId?: string,
    readonly sessionEnd?: SessionEndReason,
  ) {
    super(message);
  }
}

export interface HandshakeRefusalData {
  code: 'rate_limited';
  message: string;
  /** Which limit: `handshake_rate` (per address) or `too_many_connections` (per user). */
  reason: string;
  retryAfterMs?: number;
}

/** Refuses a connection for a limit rather than an identity: `connect_error` with `message: "rate_limited"`. */
export class HandshakeRefusal extends Error {
  constructor(readonly data: HandshakeRefusalData) {
    super('rate_limited');
  }
}
