import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { ContractError, HTTP_STATUS_BY_CODE } from './contract-error';
import { ErrorBody } from './contract';
import { isRedisUnavailable } from './redis-errors';

/**
 * The one place where errors become what clients see: the ack envelope `{ ok: false, error }` on sockets,
 * `{ statusCode, error, message }` over HTTP. Unknown errors are logged and never leak their text.
 */
@Catch()
export class ContractExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() === 'ws') {
      const ack = host
        .getArgs()
        .slice(2)
        .find((arg): arg is (body: unknown) => void => typeof arg === 'function');
      ack?.({ ok: false, error: this.toErrorBody(exception) });
      return;
    }
    if (host.getType() === 'http') {
      this.replyHttp(exception, host.switchToHttp().getResponse<Response>());
    }
  }

  toErrorBody(exception: unknown): ErrorBody {
    return errorBodyOf(exception, this.logger);
  }

  private replyHttp(exception: unknown, response: Response): void {
    if (response.headersSent) return;
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = exception.getResponse();
      // A report rather than an error message (Terminus's health check): its body is the answer.
      if (typeof body === 'object' && body !== null && !('message' in body)) {
        response.status(status).json(body);
        return;
      }
      const message = typeof body === 'object' && body !== null ? (body as { message: unknown }).message : exception.message;
      response.status(status).json({ statusCode: status, error: httpErrorName(status), message });
      return;
    }
    const body = this.toErrorBody(exception);
    const status = HTTP_STATUS_BY_CODE[body.code];
    response
      .status(status)
      .json({ statusCode: status, error: httpErrorName(status), message: body.message, code: body.code, ...(body.details ? { details: body.details } : {}) });
  }
}

/** What a client is told about an error, on any transport. Unknown errors are logged and never leak their text. */
export function errorBodyOf(exception: unknown, logger: Logger): ErrorBody {
  if (exception instanceof ContractError) return exception.toBody();
  if (isRedisUnavailable(exception)) return { code: 'unavailable', message: 'storage is unavailable, nothing was stored; retry later' };
  logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
  return { code: 'internal', message: 'internal error' };
}

function httpErrorName(status: number): string {
  const name = HttpStatus[status];
  if (!name) return 'Error';
  return name
    .toLowerCase()
    .split('_')
    .map((word) => word[0].toUpperCase() + word.slice(1))
    .join(' ');
}
