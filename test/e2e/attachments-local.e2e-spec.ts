import { Redis } from 'ioredis';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request as httpRequest } from 'node:http';
import { LocalAttachmentStorage } from '../../src/attachments/local-attachment.storage';
import { AttachmentContext, startAttachmentContext } from '../support/attachment-context';
import { connect, request, requestOk } from '../support/clients';
import { startNode, TestNode } from '../support/nodes';
import { startRedis, TestRedis } from '../support/redis-server';
import { makeToken } from '../support/tokens';

/**
 * Local attachment storage end to end: two real nodes share one Redis and one data directory (the shared volume
 * local storage needs). Clients declare attachments with `attachment:create` on a real socket; claiming them
 * here goes through the attachments module wired as a node wires it, in the test process (the flow through
 * `message:send` is in rich-content.e2e-spec.ts).
 * The bytes move over real HTTP to one node and back from the other.
 */
describe('attachments on local storage, two nodes', () => {
  let redis: TestRedis;
  let client: Redis;
  let dataDir: string;
  let nodeA: TestNode;
  let nodeB: TestNode;
  let context: AttachmentContext;

  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
    dataDir = mkdtempSync(join(tmpdir(), 'chat-test-uploads-'));
    const env = { REDIS_URL: redis.url, DATA_DIR: dataDir, ATTACHMENT_MAX_BYTES: '1000' };
    [nodeA, nodeB] = await Promise.all([startNode(env), startNode(env)]);
    context = await startAttachmentContext(env);
  });

  afterAll(async () => {
    await context?.close();
    client.disconnect();
    await Promise.all([nodeA?.stop(), nodeB?.stop()]);
    await redis.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const declare = (size = 11, extra: Partial<{ filename: string; contentType: string }> = {}) =>
    context.attachments.create('alice', 'general', { filename: 'notes.txt', contentType: 'text/plain', size, ...extra });

  const put = (node: TestNode, uploadUrl: string, body: string | Buffer, contentType = 'text/plain') =>
    fetch(node.url + uploadUrl, { method: 'PUT', headers: { 'Content-Type': contentType }, body });

  it('declares on a socket (joined rooms only), uploads through one node, claims it and downloads it through the other', async () => {
    const socket = await connect(nodeA.url, { token: makeToken({ sub: 'alice' }) });
    const declaration = { room: 'general', filename: 'notes.txt', contentType: 'text/plain', size: 11 };
    expect(await request(socket, 'attachment:create', declaration)).toMatchObject({ ok: false, error: { code: 'not_joined' } });
    expect(await request(socket, 'attachment:create', { ...declaration, size: '11' })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    await requestOk(socket, 'room:join', { room: 'general' });
    expect(await request(socket, 'attachment:create', { ...declaration, size: 1001 })).toMatchObject({ ok: false, error: { code: 'payload_too_large' } });
    const ticket = await requestOk(socket, 'attachment:create', declaration);
    socket.close();
    expect(ticket).toMatchObject({ method: 'PUT', headers: { 'Content-Type': 'text/plain' } });
    expect(ticket.uploadUrl).toMatch(new RegExp(`^/uploads/${ticket.attachmentId}\\?`));

    expect((await put(nodeA, ticket.uploadUrl, 'hello world')).status).toBe(200);
    const [attachment] = await context.attachments.resolveForMessage('alice', 'general', [ticket.attachmentId]);
    expect(attachment).toMatchObject({ id: ticket.attachmentId, filename: 'notes.txt', contentType: 'text/plain', size: 11 });

    const download = await fetch(nodeB.url + attachment.url);
    expect(download.status).toBe(200);
    expect(await download.text()).toBe('hello world');
    expect(download.headers.get('content-type')).toBe('text/plain');
    expect(download.headers.get('content-disposition')).toBe("attachment; filename*=UTF-8''notes.txt");

    // claimed: the metadata expires with the room's messages (ROOM_IDLE_TTL_DAYS, 90 days by default) rather than
    // as an abandoned upload, the file left the sweep's pending area
    const claimedTtl = await client.ttl(`attachment:{general}:${ticket.attachmentId}`);
    expect(claimedTtl).toBeGreaterThan(89 * 86_400);
    expect(claimedTtl).toBeLessThanOrEqual(90 * 86_400);
    expect(readdirSync(join(dataDir, 'uploads', 'kept'))).toContain(ticket.attachmentId);
    // a retried send names the same attachment again
    expect(await context.attachments.resolveForMessage('alice', 'general', [ticket.attachmentId])).toHaveLength(1);
  });

  it('refuses a second upload of the same attachment', async () => {
    const ticket = await declare(5);
    expect((await put(nodeA, ticket.uploadUrl, 'first')).status).toBe(200);
    expect((await put(nodeB, ticket.uploadUrl, 'other')).status).toBe(409);
    const [attachment] = await context.attachments.urlsFor([{ id: ticket.attachmentId, filename: 'a.txt', contentType: 'text/plain', size: 5 }]);
    expect(await (await fetch(nodeA.url + attachment.url)).text()).toBe('first');
  });

  it('refuses altered and expired links and a content type other than the signed one', async () => {
    const ticket = await declare(4);
    const altered = ticket.uploadUrl.replace('size=4', 'size=400');
    expect((await put(nodeA, altered, 'data')).status).toBe(403);
    const forged = ticket.uploadUrl.replace(/sig=[^&]+/, 'sig=' + 'A'.repeat(43));
    expect((await put(nodeA, forged, 'data')).status).toBe(403);
    expect((await put(nodeA, ticket.uploadUrl, 'data', 'text/html')).status).toBe(403);

    // signed with the nodes' own key (kept beside the shared files), but already expired
    const storage = new LocalAttachmentStorage(join(dataDir, 'uploads'), undefined, undefined);
    const object = { id: ticket.attachmentId, filename: 'notes.txt', contentType: 'text/plain', size: 4 };
    const expired = await storage.uploadLink(object, Date.now() - 1000);
    expect((await put(nodeA, expired.url, 'data')).status).toBe(403);
    const stillValid = await storage.uploadLink(object, Date.now() + 60_000);
    expect(stillValid.url.split('&sig=')[0]).not.toBe(ticket.uploadUrl.split('&sig=')[0]);

    expect((await put(nodeA, ticket.uploadUrl, 'data')).status).toBe(200);
    const expiredDownload = await storage.downloadLink(object, Date.now() - 1000);
    expect((await fetch(nodeB.url + expiredDownload)).status).toBe(403);
    const downloadWithUploadLink = await fetch(nodeB.url + ticket.uploadUrl);
    expect(downloadWithUploadLink.status).toBe(403);
  });

  it('refuses more bytes than declared, whether announced or streamed, and keeps no partial file', async () => {
    const ticket = await declare(10);
    expect((await put(nodeA, ticket.uploadUrl, 'x'.repeat(11))).status).toBe(413);

    // chunked, no Content-Length: the node counts as the bytes stream and stops at the declared size
    const streamed = await chunkedPut(nodeA.url + ticket.uploadUrl, ['x'.repeat(8), 'x'.repeat(8), 'x'.repeat(8)]);
    expect(streamed).toBe(413);
    expect(readdirSync(join(dataDir, 'uploads', 'pending')).filter((name) => name.startsWith(ticket.attachmentId))).toEqual([]);
    await expect(context.attachments.resolveForMessage('alice', 'general', [ticket.attachmentId])).rejects.toMatchObject({ code: 'validation_failed' });

    // fewer bytes than declared is no upload either; the right bytes still go through afterwards
    expect(await chunkedPut(nodeA.url + ticket.uploadUrl, ['short'])).toBe(400);
    expect((await put(nodeA, ticket.uploadUrl, '0123456789')).status).toBe(200);
    expect(await context.attachments.resolveForMessage('alice', 'general', [ticket.attachmentId])).toHaveLength(1);
  });

  it('refuses attachments never uploaded, unknown, or of another user or room, and claims none of a mixed set', async () => {
    const neverUploaded = await declare(3);
    await expect(context.attachments.resolveForMessage('alice', 'general', [neverUploaded.attachmentId])).rejects.toMatchObject({
      code: 'validation_failed',
      details: { attachmentId: neverUploaded.attachmentId },
    });

    const uploaded = await declare(3);
    expect((await put(nodeA, uploaded.uploadUrl, 'abc')).status).toBe(200);
    await expect(context.attachments.resolveForMessage('bob', 'general', [uploaded.attachmentId])).rejects.toMatchObject({ code: 'not_found' });
    await expect(context.attachments.resolveForMessage('alice', 'random', [uploaded.attachmentId])).rejects.toMatchObject({ code: 'not_found' });
    await expect(context.attachments.resolveForMessage('alice', 'general', [uploaded.attachmentId, 'AAAAAAAAAAAAAAAAAAAAAA'])).rejects.toMatchObject({
      code: 'not_found',
    });
    // nothing was claimed by the refused sends
    expect(await client.hget(`attachment:{general}:${uploaded.attachmentId}`, 'state')).toBe('pending');
  });

  it('checks the declaration: size, type and filename', async () => {
    await expect(declare(1001)).rejects.toMatchObject({ code: 'payload_too_large', details: { maxBytes: 1000 } });
    await expect(declare(0)).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(declare(10, { contentType: 'text/html' })).rejects.toMatchObject({ code: 'validation_failed' });

    const ticket = await declare(3, { filename: '../../evil\u202Etxt.exe', contentType: 'IMAGE/PNG' });
    expect(ticket.headers['Content-Type']).toBe('image/png');
    expect(await client.hget(`attachment:{general}:${ticket.attachmentId}`, 'filename')).toBe('eviltxt.exe');
    expect(await client.ttl(`attachment:{general}:${ticket.attachmentId}`)).toBeGreaterThan(86_000);
  });

  it('removes the file and its metadata with the message', async () => {
    const ticket = await declare(3);
    expect((await put(nodeA, ticket.uploadUrl, 'bye')).status).toBe(200);
    const [attachment] = await context.attachments.resolveForMessage('alice', 'general', [ticket.attachmentId]);

    await context.attachments.remove('general', [ticket.attachmentId]);

    expect((await fetch(nodeB.url + attachment.url)).status).toBe(404);
    expect(existsSync(join(dataDir, 'uploads', 'kept', ticket.attachmentId))).toBe(false);
    await expect(context.attachments.resolveForMessage('alice', 'general', [ticket.attachmentId])).rejects.toMatchObject({ code: 'not_found' });
  });
});

/** A PUT without Content-Length (chunked transfer), as a client that does not announce its size sends it. */
function chunkedPut(url: string, chunks: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method: 'PUT', headers: { 'Content-Type': 'text/plain' } }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on('error', reject);
    for (const chunk of chunks) request.write(chunk);
    request.end();
  });
}
