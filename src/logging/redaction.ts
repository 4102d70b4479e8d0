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

/**
 * Query parameters that authorize on their own: tokens, and the signature and credential of signed attachment
 * links (local `sig`, S3 presigned `X-Amz-*`), which let anyone holding the logged URL upload or download.
 */
const SECRET_PARAMETER = /([?&](?:token|access_token|sig|X-Amz-Signature|X-Amz-Credential)=)[^&#]*/gi;

/** `/ws?token=…`, Socket.IO polling URLs and the local storage's signed `/uploads/…` links carry secrets in their query. */
export function redactUrl(url: string | undefined): string | undefined {
  return url?.replace(SECRET_PARAMETER, '$1[redacted]');
}
