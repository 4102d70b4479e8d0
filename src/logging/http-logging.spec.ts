import { once } from 'node:events';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import type { Request, Response } from 'express';
import { createPino } from './app-logger';
import { httpLogging } from './http-logging';

/** Serves every request through the access log, answering 200, and collects the lines the log writes. */
async function loggedServer() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const [requestLog] = httpLogging(createPino({ nodeId: 'node-1', logLevel: 'info' }, destination, false));
  const server = createServer((request, response) => requestLog(request as Request, response as Response, () => response.end('ok')));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const get = (path: string) =>
    new Promise<void>((resolve, reject) => {
      httpRequest({ host: '127.0.0.1', port, path, method: 'PUT' }, (response) => response.resume().once('end', () => resolve()))
        .once('error', reject)
        .end();
    });
  return { lines, get, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('the access log', () => {
  it('writes signed upload and download links without their signatures and credentials', async () => {
    const server = await loggedServer();
    try {
      await server.get('/uploads/AAAAAAAAAAAAAAAAAAAAAA?expires=1893456000&size=12&type=text%2Fplain&name=a.txt&sig=local-secret-signature');
      await server.get(
        '/bucket/key?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDSECRET%2F20260101%2Fus-east-1%2Fs3%2Faws4_request' +
          '&X-Amz-Date=20260101T000000Z&X-Amz-Expires=900&X-Amz-Signature=s3-secret-signature&X-Amz-SignedHeaders=host',
      );
      await server.get('/bucket/key?x-amz-signature=lower-case-secret&x-amz-credential=lower-case-akid');
      const urls = server.lines.map((line) => (line.req as { url: string }).url);
      expect(urls).toEqual([
        '/uploads/AAAAAAAAAAAAAAAAAAAAAA?expires=1893456000&size=12&type=text%2Fplain&name=a.txt&sig=[redacted]',
        '/bucket/key?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=[redacted]' +
          '&X-Amz-Date=20260101T000000Z&X-Amz-Expires=900&X-Amz-Signature=[redacted]&X-Amz-SignedHeaders=host',
        '/bucket/key?x-amz-signature=[redacted]&x-amz-credential=[redacted]',
      ]);
      expect(JSON.stringify(server.lines)).not.toMatch(/secret|AKID/i);
    } finally {
      await server.close();
    }
  });
});
