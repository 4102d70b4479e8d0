import { GetObjectTaggingCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AttachmentContext, startAttachmentContext } from '../support/attachment-context';
import { startRedis, TestRedis } from '../support/redis-server';

// s3rver ships no type declarations
const S3rver: new (options: object) => { run(): Promise<unknown>; close(): Promise<void> } = require('s3rver');

const BUCKET = 'chat-attachments';
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/**
 * S3-compatible storage against s3rver, a real S3 API server on a free port. s3rver parses SigV4 links but does
 * not verify their signatures (its source: "Signature version 4 calculation is unimplemented") and ignores the
 * x-amz-tagging header of a PUT: it cannot show that a bucket refuses a size other than the signed Content-Length. The tests assert that the link signs it,
 * what s3rver does with a wrong size, and that the HeadObject check refuses such an attachment anyway.
 */
describe('attachments on S3-compatible storage (s3rver)', () => {
  let redis: TestRedis;
  let s3Dir: string;
  let s3: { close(): Promise<void> };
  let endpoint: string;
  let context: AttachmentContext;

  beforeAll(async () => {
    redis = await startRedis();
    s3Dir = mkdtempSync(join(tmpdir(), 'chat-test-s3-'));
    // port 0: the server binds a port of its own choosing and reports it, so no other process can take it first
    // (a port found free beforehand could be taken, and s3rver throws a listen error instead of rejecting)
    const server = new S3rver({ port: 0, address: '127.0.0.1', directory: s3Dir, silent: true, configureBuckets: [{ name: BUCKET }] });
    const { port } = (await server.run()) as { port: number };
    s3 = server;
    endpoint = `http://127.0.0.1:${port}`;
    context = await startAttachmentContext({
      REDIS_URL: redis.url,
      DATA_DIR: s3Dir,
      S3_ENDPOINT: endpoint,
      S3_BUCKET: BUCKET,
      S3_REGION: 'us-east-1',
      S3_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      S3_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    });
  });

  afterAll(async () => {
    await context?.close();
    await s3?.close();
    await redis.stop();
    rmSync(s3Dir, { recursive: true, force: true });
  });

  const declare = (size: number) => context.attachments.create('alice', 'general', { filename: 'plan.pdf', contentType: 'application/pdf', size });
  const put = (ticket: { uploadUrl: string; headers: Record<string, string> }, body: Buffer) =>
    fetch(ticket.uploadUrl, { method: 'PUT', headers: ticket.headers, body });
  const tagsOf = async (id: string) => {
    const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: CREDENTIALS });
    const { TagSet } = await client.send(new GetObjectTaggingCommand({ Bucket: BUCKET, Key: `attachments/${id}` }));
    client.destroy();
    return TagSet;
  };

  it('presigns a PUT that signs the size, the type and the pending tag', async () => {
    const ticket = await declare(64);
    const signed = new URL(ticket.uploadUrl).searchParams.get('X-Amz-SignedHeaders')!.split(';');
    expect(signed).toEqual(expect.arrayContaining(['content-length', 'content-type', 'host', 'x-amz-tagging']));
    // no checksum of a body the node never saw: S3 would refuse the real bytes
    expect([...new URL(ticket.uploadUrl).searchParams.keys()].filter((name) => name.toLowerCase().includes('checksum'))).toEqual([]);
    expect(ticket.headers).toEqual({ 'Content-Type': 'application/pdf', 'x-amz-tagging': 'state=pending' });
    expect(ticket.uploadUrl.startsWith(`${endpoint}/${BUCKET}/attachments/${ticket.attachmentId}?`)).toBe(true);
  });

  it('uploads straight to the bucket, claims the object for a message and serves a presigned download', async () => {
    const bytes = Buffer.from('%PDF-1.7 '.repeat(8));
    const ticket = await declare(bytes.length);
    expect((await put(ticket, bytes)).status).toBe(200);
    // real S3 applies the signed x-amz-tagging header of the PUT; s3rver ignores it, so the object has no tag yet
    expect(await tagsOf(ticket.attachmentId)).toEqual([]);

    const [attachment] = await context.attachments.resolveForMessage('alice', 'general', [ticket.attachmentId]);

    expect(await tagsOf(ticket.attachmentId)).toEqual([{ Key: 'state', Value: 'attached' }]);
    expect(new URL(attachment.url).searchParams.get('X-Amz-Expires')).toBe('3600');
    const download = await fetch(attachment.url);
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it('refuses an attachment whose object is missing or not the declared size', async () => {
    const neverUploaded = await declare(10);
    await expect(context.attachments.resolveForMessage('alice', 'general', [neverUploaded.attachmentId])).rejects.toMatchObject({
      code: 'validation_failed',
    });

    const ticket = await declare(10);
    // real S3 answers 403 SignatureDoesNotMatch here; s3rver does not check SigV4 and stores it
    expect((await put(ticket, Buffer.alloc(20))).status).toBe(200);
    await expect(context.attachments.resolveForMessage('alice', 'general', [ticket.attachmentId])).rejects.toMatchObject({
      code: 'validation_failed',
      details: { attachmentId: ticket.attachmentId },
    });
  });

  it('deletes the object with the message', async () => {
    const ticket = await declare(4);
    expect((await put(ticket, Buffer.from('data'))).status).toBe(200);
    const [attachment] = await context.attachments.resolveForMessage('alice', 'general', [ticket.attachmentId]);

    await context.attachments.remove('general', [ticket.attachmentId]);

    expect((await fetch(attachment.url)).status).toBe(404);
  });
});
