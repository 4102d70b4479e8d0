import { HandshakeErrorCode } from '../common/contract';

/**
 * Refuses a connection (or an HTTP request) for an identity reason; `code` is the contract's connect_error code.
 * `userId` is set once the token's signature proved who it is (revoked, banned).
 */
export class AuthenticationError extends Error {
  constructor(
    readonly code: HandshakeErrorCode,
    message: string,
    readonly userId?: string,
  ) {
    super(message);
  }
}
