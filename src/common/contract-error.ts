import { ErrorBody, ErrorCode } from './contract';

/** An error the client is told about as is: its code and message are part of the contract. */
export class ContractError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }

  toBody(): ErrorBody {
    return this.details ? { code: this.code, message: this.message, details: this.details } : { code: this.code, message: this.message };
  }
}

export const HTTP_STATUS_BY_CODE: Record<ErrorCode, number> = {
  validation_failed: 400,
  not_joined: 409,
  not_found: 404,
  forbidden: 403,
  muted: 403,
  rate_limited: 429,
  payload_too_large: 413,
  unavailable: 503,
  internal: 500,
  held: 409,
};

export const notFound = (what: string) => new ContractError('not_found', `${what} not found`);
export const forbidden = (message = 'not allowed') => new ContractError('forbidden', message);
export const notJoined = (room: string) => new ContractError('not_joined', `join room ${room} first`, { room });
