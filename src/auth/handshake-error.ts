import { HandshakeErrorCode } from '../common/contract';

/** Refuses a connection (or an HTTP request) for an identity reason; `code` is the contract's connect_error code. */
export class AuthenticationError extends Error {
  constructor(
    readonly code: HandshakeErrorCode,
    message: string,
  ) {
    super(message);
  }
}
