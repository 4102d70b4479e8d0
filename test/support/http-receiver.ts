import type { IncomingMessage, ServerResponse } from 'node:http';

/** What a test server does with one request: answer a status, or hold it open (the sender times out or dies waiting). */
export type Reply = number | 'hold';

/** The whole body of a request (or of a response read as a client). */
export function readBody(message: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    message.on('data', (chunk: Buffer) => chunks.push(chunk));
    message.on('end', () => resolve(Buffer.concat(chunks)));
    message.on('error', reject);
  });
}

/** Answers `reply` and returns the status, or leaves the response open and returns undefined. */
export function answer(response: ServerResponse, reply: Reply): number | undefined {
  if (reply === 'hold') return undefined;
  response.writeHead(reply).end();
  return reply;
}
