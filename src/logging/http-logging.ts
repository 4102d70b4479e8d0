import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger as Pino } from 'pino';
import { pinoHttp } from 'pino-http';
import { withLogContext } from './log-context';
import { redactUrl } from './redaction';

export const REQUEST_ID_HEADER = 'X-Request-Id';

/** An id a proxy or client chose is kept when it cannot smuggle anything into a log line or a header. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * One log line per HTTP request when it ends (method, URL without tokens, status, time), and the request id on
 * every line written while it is handled. The id is the caller's `X-Request-Id` when sane, else a new UUID, and
 * is echoed in the response.
 */
export function httpLogging(logger: Pino): RequestHandler[] {
  const requestLog = pinoHttp({
    logger,
    // the id as a field of its own on the request's lines, not inside `req`
    quietReqLogger: true,
    customAttributeKeys: { reqId: 'requestId' },
    genReqId: (request: IncomingMessage, response: ServerResponse) => {
      const incoming = request.headers['x-request-id'];
      const id = typeof incoming === 'string' && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
      response.setHeader(REQUEST_ID_HEADER, id);
      return id;
    },
    // health probes come every few seconds; a 5xx other than 500 is Redis being away, said once by its client
    customLogLevel: (request, response, error) => (error || response.statusCode === 500 ? 'error' : request.url?.startsWith('/health') ? 'debug' : 'info'),
    serializers: {
      req: (request: { method: string; url: string; remoteAddress?: string }) => ({
        method: request.method,
        url: redactUrl(request.url),
        remoteAddress: request.remoteAddress,
      }),
      res: (response: { statusCode: number }) => ({ statusCode: response.statusCode }),
    },
  });
  const requestContext = (request: Request, _response: Response, next: NextFunction) => withLogContext({ requestId: String(request.id) }, next);
  return [requestLog as unknown as RequestHandler, requestContext];
}
