import { createHmac, timingSafeEqual } from 'node:crypto';
import { chmodSync, createReadStream, createWriteStream, mkdirSync } from 'node:fs';
import { readdir, rename, rm, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { readOrCreateSecretFile } from '../config/development-secret';
import { essence } from './attachment-rules';
import { AttachmentStorage, StoredObject, UploadLink } from './attachment-storage';

/** The generated signing key lives beside the files: nodes that share the uploads volume share the key too. */
export const SIGNING_SECRET_FILE = '.signing-secret';
export const ATTACHMENT_ID_PATTERN = /^[A-Za-z0-9_-]{22}$/;

const PRIVATE_DIRECTORY = 0o700;
const PRIVATE_FILE = 0o600;

type Method = 'PUT' | 'GET';

/** What a link carries besides the id: the declared object and the expiry, all covered by the signature. */
export interface LinkQuery {
  expires?: string;
  size?: string;
  type?: string;
  name?: string;
  sig?: string;
}

/**
 * Files under one directory, served by the node itself through HMAC-signed links (`/uploads/:id`). For one node,
 * or several that mount the same directory: a file uploaded through one node is downloaded through any.
 * Uploads land in `pending/`; `keep` moves a file sent in a message to `kept/`; `sweep` deletes old pending files,
 * as the S3 lifecycle rule does for the bucket.
 */
export class LocalAttachmentStorage implements AttachmentStorage {
  readonly kind = 'local';
  private readonly secret: Buffer;

  constructor(
    private readonly directory: string,
    private readonly publicUrl: string | undefined,
    configuredSecret: string | undefined,
  ) {
    // the files are other users' attachments: no other account on the host may list or read them; directories an
    // earlier version created open (0755) are tightened too
    for (const path of [directory, join(directory, 'pending'), join(directory, 'kept')]) {
      mkdirSync(path, { recursive: true, mode: PRIVATE_DIRECTORY });
      chmodSync(path, PRIVATE_DIRECTORY);
    }
    this.secret = Buffer.from(configuredSecret ?? readOrCreateSecretFile(directory, SIGNING_SECRET_FILE));
  }

  async uploadLink(object: StoredObject, expiresAt: number): Promise<UploadLink> {
    return { url: this.link('PUT', object, expiresAt), headers: { 'Content-Type': object.contentType } };
  }

  async downloadLink(object: StoredObject, expiresAt: number): Promise<string> {
    return this.link('GET', object, expiresAt);
  }

  async isUploaded(object: StoredObject): Promise<boolean> {
    return (await this.find(object.id))?.size === object.size;
  }

  async keep(object: StoredObject): Promise<void> {
    await rename(this.pathOf(object.id, 'pending'), this.pathOf(object.id, 'kept')).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }

  async remove(ids: string[]): Promise<void> {
    const valid = ids.filter((id) => ATTACHMENT_ID_PATTERN.test(id));
    await Promise.all(valid.flatMap((id) => [rm(this.pathOf(id, 'pending'), { force: true }), rm(this.pathOf(id, 'kept'), { force: true })]));
  }

  /** Deletes pending files (and interrupted partial ones) last written more than `ageMs` ago; returns how many. */
  async sweep(ageMs: number): Promise<number> {
    const pending = join(this.directory, 'pending');
    let removed = 0;
    for (const name of await readdir(pending)) {
      const path = join(pending, name);
      const stats = await stat(path).catch(() => undefined);
      if (stats && Date.now() - stats.mtimeMs > ageMs) {
        await rm(path, { force: true });
        removed++;
      }
    }
    return removed;
  }

  /**
   * Streams the request body into `<id>.part`, counting bytes, and renames it into place once exactly the declared
   * size arrived. The `wx` open refuses a second upload running at the same time; the final file refuses a later one.
   */
  async receive(id: string, query: LinkQuery, request: IncomingMessage, response: ServerResponse): Promise<void> {
    const object = this.verify('PUT', id, query);
    if (!object) return reply(response, 403, 'link expired or invalid');
    if (essence(request.headers['content-type'] ?? '') !== essence(object.contentType)) {
      return reply(response, 403, `Content-Type must be ${object.contentType}, as signed`);
    }
    const declaredLength = request.headers['content-length'];
    if (declaredLength !== undefined && Number(declaredLength) > object.size) return reply(response, 413, `at most ${object.size} bytes`);
    if (await this.find(id)) return reply(response, 409, 'already uploaded');

    const partial = `${this.pathOf(id, 'pending')}.part`;
    const file = createWriteStream(partial, { flags: 'wx', mode: PRIVATE_FILE });
    const opened = await new Promise<boolean>((resolve) => {
      file.once('open', () => resolve(true));
      file.once('error', () => resolve(false));
    });
    if (!opened) return reply(response, 409, 'an upload of this attachment is in progress');

    let received = 0;
    const outcome = await new Promise<'complete' | 'too_large' | 'aborted'>((resolve) => {
      request.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > object.size) {
          request.pause();
          resolve('too_large');
          return;
        }
        if (!file.write(chunk)) {
          request.pause();
          file.once('drain', () => request.resume());
        }
      });
      request.once('end', () => resolve('complete'));
      request.once('aborted', () => resolve('aborted'));
      request.once('error', () => resolve('aborted'));
    });
    await new Promise<void>((resolve) => file.end(() => resolve()));

    if (outcome === 'complete' && received === object.size) {
      await rename(partial, this.pathOf(id, 'pending'));
      return reply(response, 200);
    }
    await rm(partial, { force: true });
    if (outcome === 'too_large') {
      response.setHeader('Connection', 'close');
      return reply(response, 413, `at most ${object.size} bytes, as declared`);
    }
    if (outcome === 'complete') return reply(response, 400, `${received} bytes received, ${object.size} declared`);
  }

  /** Streams a file to a client holding a valid GET link. */
  async send(id: string, query: LinkQuery, response: ServerResponse): Promise<void> {
    const object = this.verify('GET', id, query);
    if (!object) return reply(response, 403, 'link expired or invalid');
    const found = await this.find(id);
    if (!found) return reply(response, 404, 'no such attachment');
    const inline = object.contentType.startsWith('image/') && !object.contentType.startsWith('image/svg');
    response.writeHead(200, {
      'Content-Type': object.contentType,
      'Content-Length': found.size,
      'Content-Disposition': `${inline ? 'inline' : 'attachment'}; filename*=UTF-8''${encodeURIComponent(object.filename)}`,
      // a stored file never runs as a page of this origin, whatever it holds
      'Content-Security-Policy': "default-src 'none'; sandbox",
      'Cache-Control': 'private, max-age=300',
    });
    createReadStream(found.path).pipe(response);
  }

  private link(method: Method, object: StoredObject, expiresAt: number): string {
    const expires = String(Math.floor(expiresAt / 1000));
    const query = new URLSearchParams({ expires, size: String(object.size), type: object.contentType, name: object.filename });
    query.set('sig', this.signature(method, object.id, query));
    return `${this.publicUrl ?? ''}/uploads/${object.id}?${query.toString()}`;
  }

  private signature(method: Method, id: string, query: URLSearchParams | LinkQuery): string {
    const get = (name: keyof LinkQuery) => (query instanceof URLSearchParams ? query.get(name) : query[name]) ?? '';
    return createHmac('sha256', this.secret)
      .update([method, id, get('expires'), get('size'), get('type'), get('name')].join('\n'))
      .digest('base64url');
  }

  /** The declared object when the link is intact and unexpired. */
  private verify(method: Method, id: string, query: LinkQuery): StoredObject | undefined {
    if (!ATTACHMENT_ID_PATTERN.test(id) || typeof query.sig !== 'string') return undefined;
    const expected = Buffer.from(this.signature(method, id, query));
    const given = Buffer.from(query.sig);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    if (!(Number(query.expires) * 1000 > Date.now())) return undefined;
    return { id, filename: query.name ?? '', contentType: query.type ?? '', size: Number(query.size) };
  }

  private async find(id: string): Promise<{ path: string; size: number } | undefined> {
    for (const place of ['kept', 'pending'] as const) {
      const path = this.pathOf(id, place);
      const stats = await stat(path).catch(() => undefined);
      if (stats) return { path, size: stats.size };
    }
    return undefined;
  }

  private pathOf(id: string, place: 'pending' | 'kept'): string {
    return join(this.directory, place, id);
  }
}

function reply(response: ServerResponse, status: number, message?: string): void {
  response.writeHead(status, { 'Content-Type': 'application/json' });
  response.end(JSON.stringify(message ? { statusCode: status, message } : { statusCode: status }));
}
