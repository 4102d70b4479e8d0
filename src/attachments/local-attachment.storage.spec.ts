import { once } from 'node:events';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalAttachmentStorage } from './local-attachment.storage';

const modeOf = (path: string) => statSync(path).mode & 0o777;

/** PUTs `body` to a storage's upload link through a real HTTP server that hands the request to `receive`. */
async function upload(storage: LocalAttachmentStorage, url: string, body: string, contentType: string): Promise<number> {
  const server = createServer((request, response) => {
    const { pathname, searchParams } = new URL(request.url ?? '/', 'http://localhost');
    void storage.receive(pathname.split('/').pop() ?? '', Object.fromEntries(searchParams), request, response);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const { port } = server.address() as AddressInfo;
    return await new Promise<number>((resolve, reject) => {
      httpRequest({ host: '127.0.0.1', port, path: url, method: 'PUT', headers: { 'Content-Type': contentType } }, (response) =>
        response.resume().once('end', () => resolve(response.statusCode ?? 0)),
      )
        .once('error', reject)
        .end(body);
    });
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

describe('LocalAttachmentStorage on disk', () => {
  let base: string;

  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'chat-uploads-'));
  });

  afterEach(() => rmSync(base, { recursive: true, force: true }));

  it('creates its directories for its owner alone (0700) and stores uploads readable by the owner alone (0600)', async () => {
    const directory = join(base, 'uploads');
    const storage = new LocalAttachmentStorage(directory, undefined, 'a-signing-secret-of-thirty-two-chars!');
    for (const path of [directory, join(directory, 'pending'), join(directory, 'kept')]) expect(modeOf(path)).toBe(0o700);

    const object = { id: 'AAAAAAAAAAAAAAAAAAAAAA', filename: 'notes.txt', contentType: 'text/plain', size: 5 };
    const link = await storage.uploadLink(object, Date.now() + 60_000);
    expect(await upload(storage, link.url, 'hello', 'text/plain')).toBe(200);
    expect(modeOf(join(directory, 'pending', object.id))).toBe(0o600);
    await storage.keep(object);
    expect(modeOf(join(directory, 'kept', object.id))).toBe(0o600);
  });

  it('tightens directories an earlier version left open to others', () => {
    const directory = join(base, 'uploads');
    for (const path of [directory, join(directory, 'pending'), join(directory, 'kept')]) {
      mkdirSync(path, { recursive: true });
      chmodSync(path, 0o755);
    }
    new LocalAttachmentStorage(directory, undefined, 'a-signing-secret-of-thirty-two-chars!');
    for (const path of [directory, join(directory, 'pending'), join(directory, 'kept')]) expect(modeOf(path)).toBe(0o700);
  });
});
