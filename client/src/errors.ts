import type { ErrorBody, ErrorCode } from './contract';

/** The server refused a request: `code` is one of the contract's error codes, `details` as the server gave them. */
export class ContractError extends Error {
  readonly code: ErrorCode;
  readonly details?: Record<string, unknown>;

  constructor(body: ErrorBody) {
    super(body.message);
    this.name = 'ContractError';
    this.code = body.code;
    this.details = body.details;
  }
}

/** No acknowledgement came within the client's wait: the request may or may not have been handled. */
export class RequestTimeoutError extends Error {
  constructor(
    readonly event: string,
    readonly timeoutMs: number,
  ) {
    super(`${event}: no answer within ${timeoutMs} ms`);
    this.name = 'RequestTimeoutError';
  }
}

/** The client stopped for good: the server refused the token or ended the session. */
export class ClientClosedError extends Error {
  constructor(
    readonly reason: string,
    /** The handshake refusal code (`token_expired`, `banned`, ...) or the session end reason, when the server gave one. */
    readonly code?: string,
  ) {
    super(`chat client closed: ${reason}${code ? ` (${code})` : ''}`);
    this.name = 'ClientClosedError';
  }
}

/** Worth sending again with the same clientMsgId: nothing says it was stored, and a retry is stored once. */
export const isRetryable = (error: unknown): boolean =>
  error instanceof RequestTimeoutError || (error instanceof ContractError && error.code === 'unavailable');
