/** Secrets that must never reach a log line, wherever they sit in a logged object. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'req.headers["x-api-key"]',
  'headers["x-api-key"]',
  'auth.token',
  'handshake.auth.token',
  'token',
  '*.token',
];

const TOKEN_PARAMETER = /([?&](?:token|access_token)=)[^&#]*/gi;

/** `/ws?token=…` and Socket.IO polling URLs carry tokens in their query. */
export function redactUrl(url: string | undefined): string | undefined {
  return url?.replace(TOKEN_PARAMETER, '$1[redacted]');
}
