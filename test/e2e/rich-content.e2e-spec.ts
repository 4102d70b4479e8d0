import { untilTrue } from '../support/condition';
import { Cluster, Redis } from 'ioredis';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'socket.io-client';
import { closeAllClients, collect, connect, nextEvent, request, requestOk } from '../support/clients';
import { http } from '../support/http';
import { freePort } from '../support/ports';
import { startCluster, stopAll, TestNode } from '../support/nodes';
import { startRedisCluster, TestRedisCluster } from '../support/redis-cluster';
import { until } from '../support/redis-failover';
import { startRedis, TestRedis } from '../support/redis-server';
import { uniqueRoom } from '../support/scenario';
import { makeToken } from '../support/tokens';

// s3rver ships no type declarations
const S3rver: new (options: object) => { run(): Promise<unknown>; close(): Promise<void> } = require('s3rver');

/** Small, so that a few sends trim: what a trim does to threads, attachments and the index shows quickly. */
const HISTORY_MAX = 6;
/** These tests search many times a second (polling for index writes): the search rate is tested in hardening-rich-content. */
const UNLIMITED_SEARCHES = '0';

interface Message {
  id: string;
  room: string;
  content: string;
  createdAt: number;
  replyTo?: string;
  replyCount?: number;
  lastReplyAt?: number;
  attachments?: { id: string; filename: string; contentType: string; size: number; url: string }[];
}

const as = (node: TestNode, sub: string, extra: object = {}) => connect(node.url, { token: makeToken({ sub, ...extra }) });
const send = (socket: Socket, room: string, content: string, extra: object = {}) => requestOk<Message>(socket, 'message:send', { room, content, ...extra });
const searchIds = async (socket: Socket, payload: object) =>
  (await requestOk<{ messages: Message[] }>(socket, 'message:search', payload)).messages.map((m) => m.id);
/** Index writes follow the send without the send waiting for them: a search from another node polls until they landed. */
const untilSearchFinds = (socket: Socket, payload: object, expected: string[]) =>
  until(`search ${JSON.stringify(payload)} finds ${expected.join(', ')}`, async () => {
    const ids = await searchIds(socket, payload);
    return JSON.stringify(ids) === JSON.stringify(expected) ? ids : undefined;
  });

/** alice on the first node and bob on the second, both in a fresh room. */
async function aliceAndBobIn(prefix: string, first: TestNode, second: TestNode) {
  const room = uniqueRoom(prefix);
  const alice = await as(first, 'alice');
  const bob = await as(second, 'bob');
  await requestOk(alice, 'room:join', { room });
  await requestOk(bob, 'room:join', { room });
  return { room, alice, bob };
}

describe('rich content on two nodes and a standalone redis-server', () => {
  let redis: TestRedis;
  let client: Redis;
  let dataDir: string;
  let nodeA: TestNode;
  let nodeB: TestNode;

  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
    dataDir = mkdtempSync(join(tmpdir(), 'chat-test-rich-'));
    [nodeA, nodeB] = await startCluster(2, {
      REDIS_URL: redis.url,
      DATA_DIR: dataDir,
      HISTORY_MAX_PER_ROOM: String(HISTORY_MAX),
      SEARCH_RATE_LIMIT: UNLIMITED_SEARCHES,
    });
  });

  afterAll(async () => {
    closeAllClients();
    client.disconnect();
    await stopAll([nodeA, nodeB].filter(Boolean));
    await redis.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps threads: replies page oldest first, roots carry their counts in history, catch-up, search and the admin API', async () => {
    const { room, alice, bob } = await aliceAndBobIn('thread', nodeA, nodeB);

    const root = await send(alice, room, 'kickoff planning');
    expect(root).not.toHaveProperty('replyCount');
    const heard = nextEvent<Message>(bob, 'message', (m) => m.replyTo === root.id);
    const first = await send(alice, room, 'first reply', { replyTo: root.id });
    expect(await heard).toEqual(first);
    const second = await send(bob, room, 'second reply', { replyTo: root.id });
    const third = await send(alice, room, 'third reply', { replyTo: root.id });

    const replies = (payload: object) => requestOk<{ messages: Message[] }>(bob, 'message:replies', { room, messageId: root.id, ...payload });
    expect((await replies({})).messages.map((m) => m.id)).toEqual([first.id, second.id, third.id]);
    expect((await replies({ after: first.id })).messages.map((m) => m.id)).toEqual([second.id, third.id]);
    expect((await replies({ limit: 1 })).messages.map((m) => m.id)).toEqual([first.id]);
    expect(await request(bob, 'message:replies', { room, messageId: root.id, limit: 101 })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    expect(await request(bob, 'message:replies', { room, messageId: '1-1' })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    const outsider = await as(nodeB, 'carol', { rooms: ['elsewhere'] });
    expect(await request(outsider, 'message:replies', { room, messageId: root.id })).toMatchObject({ ok: false, error: { code: 'forbidden' } });

    const counted = { id: root.id, replyCount: 3, lastReplyAt: third.createdAt };
    const history = (await requestOk<{ messages: Message[] }>(bob, 'message:history', { room })).messages;
    expect(history[0]).toMatchObject(counted);
    expect(history.slice(1).every((m) => m.replyCount === undefined)).toBe(true);
    expect((await requestOk<{ messages: Message[] }>(alice, 'room:join', { room, since: '0-1' })).messages[0]).toMatchObject(counted);
    const admin = await http<{ messages: Message[] }>(nodeA.url, 'GET', `/admin/rooms/${room}/messages`, {
      token: makeToken({ sub: 'root', roles: ['admin'] }),
    });
    expect(admin.body.messages[0]).toMatchObject(counted);
    await untilSearchFinds(bob, { query: 'kickoff', room }, [root.id]);
    expect((await requestOk<{ messages: Message[] }>(bob, 'message:search', { query: 'kickoff', room })).messages[0]).toMatchObject(counted);

    // a deleted reply leaves the thread; an edited root keeps its counts
    await requestOk(bob, 'message:delete', { room, messageId: second.id });
    expect((await replies({})).messages.map((m) => m.id)).toEqual([first.id, third.id]);
    expect(await requestOk(alice, 'message:edit', { room, messageId: root.id, content: 'kickoff moved' })).toMatchObject({
      replyCount: 2,
      lastReplyAt: third.createdAt,
    });

    // the room holds root, first and third; filling it trims the root first: its thread goes with it
    for (let i = 0; i < HISTORY_MAX - 3; i += 1) await send(alice, room, `filler ${i}`);
    expect((await replies({})).messages).toHaveLength(2);
    await send(alice, room, 'one more');
    expect(await request(bob, 'message:replies', { room, messageId: root.id })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await client.exists(`chat:{${room}}:thread:${root.id}`)).toBe(0);
    // the replies outlive their root, as in Slack, until they are trimmed in turn; no thread key is left behind
    for (let i = 0; i < 2; i += 1) await send(alice, room, `later ${i}`);
    expect(await client.keys(`chat:{${room}}:thread:*`)).toEqual([]);
  });

  it('sends attachments with a message, serves fresh links on every read, and removes the files with the message', async () => {
    const { room, alice, bob } = await aliceAndBobIn('files', nodeA, nodeB);

    expect(await request(alice, 'message:send', { room, content: '' })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    expect(await request(alice, 'message:send', { room, content: '', attachments: ['no-such-id'] })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await request(alice, 'message:send', { room, content: 'x', attachments: 'abc' })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });

    const ticket = await requestOk(alice, 'attachment:create', { room, filename: 'notes.txt', contentType: 'text/plain', size: 11 });
    expect(await request(alice, 'message:send', { room, content: '', attachments: [ticket.attachmentId] })).toMatchObject({
      ok: false,
      error: { code: 'validation_failed', details: { attachmentId: ticket.attachmentId } },
    });
    const upload = await fetch(nodeA.url + ticket.uploadUrl, { method: 'PUT', headers: ticket.headers, body: 'hello world' });
    expect(upload.status).toBe(200);
    // bob cannot claim alice's upload
    expect(await request(bob, 'message:send', { room, content: 'mine', attachments: [ticket.attachmentId] })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });

    const heard = nextEvent<Message>(bob, 'message');
    const sent = await send(alice, room, '', { attachments: [ticket.attachmentId], clientMsgId: 'with-file' });
    const described = { id: ticket.attachmentId, filename: 'notes.txt', contentType: 'text/plain', size: 11 };
    expect(sent.attachments).toEqual([{ ...described, url: expect.any(String) }]);
    expect((await heard).attachments).toEqual(sent.attachments);
    // a retried send answers the stored message, with its attachment
    expect(await send(alice, room, '', { attachments: [ticket.attachmentId], clientMsgId: 'with-file' })).toMatchObject({
      id: sent.id,
      attachments: [described],
    });

    const [served] = (await requestOk<{ messages: Message[] }>(bob, 'message:history', { room })).messages;
    expect(served.attachments).toEqual([{ ...described, url: expect.any(String) }]);
    const download = await fetch(nodeB.url + served.attachments![0].url);
    expect(await download.text()).toBe('hello world');

    await requestOk(alice, 'message:delete', { room, messageId: sent.id });
    await until('the attachment is removed with its message', async () =>
      (await client.exists(`attachment:{${room}}:${ticket.attachmentId}`)) === 0 ? true : undefined,
    );
    expect((await fetch(nodeB.url + served.attachments![0].url)).status).toBe(404);

    // a trimmed message takes its attachment with it
    const kept = await requestOk(alice, 'attachment:create', { room, filename: 'b.txt', contentType: 'text/plain', size: 2 });
    await fetch(nodeA.url + kept.uploadUrl, { method: 'PUT', headers: kept.headers, body: 'hi' });
    const withFile = await send(alice, room, 'see file', { attachments: [kept.attachmentId] });
    expect(await client.exists(`attachment:{${room}}:${kept.attachmentId}`)).toBe(1);
    for (let i = 0; i < HISTORY_MAX; i += 1) await send(alice, room, `filler ${i}`);
    await until("the trimmed message's attachment is removed", async () =>
      (await client.exists(`attachment:{${room}}:${kept.attachmentId}`)) === 0 ? true : undefined,
    );
    expect((await fetch(nodeA.url + withFile.attachments![0].url)).status).toBe(404);
  });

  it("stores a connection's sends in the order it sent them, also behind a send whose attachments are still being looked up", async () => {
    const { room, alice, bob } = await aliceAndBobIn('file-order', nodeA, nodeB);
    const ticket = await requestOk(alice, 'attachment:create', { room, filename: 'a.txt', contentType: 'text/plain', size: 1 });
    await fetch(nodeA.url + ticket.uploadUrl, { method: 'PUT', headers: ticket.headers, body: 'a' });
    const atBob = collect<Message>(bob, 'message');
    const thirdHeard = nextEvent<Message>(bob, 'message', (message) => message.content === 'third');

    // not awaited one by one: the attachment's lookups take round trips the plain sends after it do not need
    const acks = await Promise.all([
      send(alice, room, 'first, with a file', { attachments: [ticket.attachmentId] }),
      send(alice, room, 'second'),
      send(alice, room, 'third'),
    ]);

    const inOrder = ['first, with a file', 'second', 'third'];
    const history = (await requestOk<{ messages: Message[] }>(bob, 'message:history', { room })).messages;
    expect(history.map((message) => message.content)).toEqual(inOrder);
    expect(history.map((message) => message.id)).toEqual(acks.map((message) => message.id));
    await thirdHeard;
    expect(atBob.map((message) => message.content)).toEqual(inOrder);
  });

  it('searches the rooms the user may read, and reflects edits, deletions and trims', async () => {
    const open = uniqueRoom('search-open');
    const secret = uniqueRoom('search-secret');
    const alice = await as(nodeA, 'alice');
    const bob = await as(nodeB, 'bob', { rooms: [open] });
    await requestOk(alice, 'room:join', { room: open });
    await requestOk(alice, 'room:join', { room: secret });
    await requestOk(bob, 'room:join', { room: open });

    const inOpen = await send(alice, open, 'Deploy finished on staging');
    const inSecret = await send(alice, secret, 'deploy keys rotated');
    await send(alice, open, 'unrelated chatter');

    await untilSearchFinds(alice, { query: 'DEPLOY' }, [inSecret.id, inOpen.id]);
    // bob may not read the secret room: it is not searched, and naming it is refused
    expect(await searchIds(bob, { query: 'deploy' })).toEqual([inOpen.id]);
    expect(await request(bob, 'message:search', { query: 'deploy', room: secret })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await searchIds(alice, { query: 'deploy', room: open })).toEqual([inOpen.id]);
    expect(await searchIds(alice, { query: 'deploy staging' })).toEqual([inOpen.id]);
    expect(await searchIds(alice, { query: 'deploy', limit: 1 })).toHaveLength(1);
    expect(await request(alice, 'message:search', { query: 'deploy', limit: 51 })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    expect(await request(alice, 'message:search', { query: '' })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });

    const edited = await requestOk<Message>(alice, 'message:edit', { room: open, messageId: inOpen.id, content: 'rollback on staging' });
    await untilSearchFinds(bob, { query: 'deploy' }, []);
    expect((await requestOk<{ messages: Message[] }>(bob, 'message:search', { query: 'rollback' })).messages).toEqual([edited]);

    await requestOk(alice, 'message:delete', { room: secret, messageId: inSecret.id });
    await untilSearchFinds(alice, { query: 'deploy' }, []);
    expect(await client.hexists(`search:{${secret}}:docs`, inSecret.id)).toBe(0);

    const needle = await send(alice, open, 'needle in the haystack');
    await untilSearchFinds(bob, { query: 'needle' }, [needle.id]);
    for (let i = 0; i < HISTORY_MAX; i += 1) await send(alice, open, `hay ${i}`);
    await untilSearchFinds(bob, { query: 'needle' }, []);
    expect(await client.hexists(`search:{${open}}:docs`, needle.id)).toBe(0);
  });

  it('relays call signals to every connection of the callee on every node, and answers how many it reached', async () => {
    const alice = await as(nodeA, 'caller');
    const bobOnA = await as(nodeA, 'callee');
    const bobOnB = await as(nodeB, 'callee');
    const offer = { sdp: 'v=0\r\no=- 46117317 2 IN IP4 127.0.0.1\r\n', type: 'offer' };

    // an invite needs a relation (docs/CALLS.md): a room both may read
    await requestOk(alice, 'room:join', { room: 'calls' });
    const rung = [bobOnA, bobOnB].map((socket) => nextEvent(socket, 'call:signal'));
    expect(await requestOk(alice, 'call:signal', { to: 'callee', callId: 'call-1', type: 'invite', data: { video: true } })).toEqual({ delivered: 2 });
    for (const signal of await Promise.all(rung)) expect(signal).toMatchObject({ from: 'caller', callId: 'call-1', type: 'invite' });
    const heard = [bobOnA, bobOnB].map((socket) => nextEvent(socket, 'call:signal'));
    expect(await requestOk(alice, 'call:signal', { to: 'callee', callId: 'call-1', type: 'offer', data: offer })).toEqual({ delivered: 2 });
    for (const signal of await Promise.all(heard)) expect(signal).toEqual({ from: 'caller', callId: 'call-1', type: 'offer', data: offer });

    const answered = nextEvent(alice, 'call:signal');
    expect(await requestOk(bobOnB, 'call:signal', { to: 'caller', callId: 'call-1', type: 'answer', data: { sdp: 'v=0', type: 'answer' } })).toEqual({
      delivered: 1,
    });
    expect(await answered).toMatchObject({ from: 'callee', type: 'answer' });

    // a DM room of the two is a relation too, whether or not the callee is online
    await requestOk(alice, 'dm:send', { to: 'nobody-online', content: 'call me' });
    expect(await requestOk(alice, 'call:signal', { to: 'nobody-online', callId: 'call-2', type: 'invite', data: {} })).toEqual({ delivered: 0 });
    for (const bad of [{ type: 'dial' }, { data: [1, 2] }, { data: 'sdp' }, { to: 'has space' }, { callId: '' }]) {
      const payload = { to: 'callee', callId: 'call-3', type: 'ice', data: { candidate: 'c' }, ...bad };
      expect(await request(alice, 'call:signal', payload)).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    }
    expect(await request(alice, 'call:signal', { to: 'callee', callId: 'c', type: 'offer', data: { sdp: 'x'.repeat(17 * 1024) } })).toMatchObject({
      ok: false,
      error: { code: 'payload_too_large' },
    });

    // a ban written while the session is still open (before its closing order arrives) already stops signals
    const mallory = await as(nodeB, 'mallory');
    // the handshake's ban re-check after registration is read before any later command of this node: once a
    // read answers, a ban written now can only be met by the signal's own check
    expect(await request(mallory, 'presence:list', { room: 'calls' })).toMatchObject({ ok: true });
    await client.set('auth:{u:mallory}:ban', JSON.stringify({ until: 'forever' }));
    expect(await request(mallory, 'call:signal', { to: 'callee', callId: 'c', type: 'invite', data: {} })).toMatchObject({
      ok: false,
      error: { code: 'forbidden', details: { reason: 'banned' } },
    });
  });
});

describe('threads and search on Redis Cluster, two nodes', () => {
  let redis: TestRedisCluster;
  let client: Cluster;
  let nodes: TestNode[];

  beforeAll(async () => {
    redis = await startRedisCluster(3);
    const [host, port] = redis.nodes.split(',')[0].split(':');
    client = new Cluster([{ host, port: Number(port) }]);
    nodes = await startCluster(2, { REDIS_CLUSTER_NODES: redis.nodes, HISTORY_MAX_PER_ROOM: String(HISTORY_MAX), SEARCH_RATE_LIMIT: UNLIMITED_SEARCHES });
  });

  afterAll(async () => {
    closeAllClients();
    client?.disconnect();
    await stopAll(nodes ?? []);
    await redis?.stop();
  });

  it("keeps each room's thread and index in its own slot and searches across shards", async () => {
    const alice = await as(nodes[0], 'alice');
    const bob = await as(nodes[1], 'bob', { rooms: ['shard-a-*'] });
    const rooms = ['shard-a-1', 'shard-a-2', 'shard-a-3', 'shard-b-1'];
    const stored: Message[] = [];
    for (const room of rooms) {
      await requestOk(alice, 'room:join', { room });
      stored.push(await send(alice, room, `release notes for ${room}`));
    }
    for (const room of rooms.slice(0, 3)) await requestOk(bob, 'room:join', { room });

    const byNewest = (messages: Message[]) => messages.map((m) => m.id).reverse();
    await untilSearchFinds(alice, { query: 'release notes' }, byNewest(stored));
    expect(await searchIds(bob, { query: 'release' })).toEqual(byNewest(stored.slice(0, 3)));

    const reply = await send(bob, 'shard-a-2', 'thanks for the release', { replyTo: stored[1].id });
    expect((await requestOk<{ messages: Message[] }>(alice, 'message:replies', { room: 'shard-a-2', messageId: stored[1].id })).messages).toEqual([reply]);
    expect((await requestOk<{ messages: Message[] }>(alice, 'message:history', { room: 'shard-a-2' })).messages[0]).toMatchObject({
      replyCount: 1,
      lastReplyAt: reply.createdAt,
    });

    await requestOk(alice, 'message:edit', { room: 'shard-a-1', messageId: stored[0].id, content: 'draft only' });
    await requestOk(alice, 'message:delete', { room: 'shard-b-1', messageId: stored[3].id });
    await untilSearchFinds(alice, { query: 'notes' }, [stored[2].id, stored[1].id]);
    for (let i = 0; i < HISTORY_MAX; i += 1) await send(alice, 'shard-a-3', `filler ${i}`);
    await untilSearchFinds(bob, { query: 'notes' }, [stored[1].id]);
    // search leaves out an entry whose message is gone before the trim's unindex, queued after the ack, reaches Redis
    await untilTrue(async () => (await client.hexists('search:{shard-a-3}:docs', stored[2].id)) === 0, 'the trimmed message unindexed');
  });
});

describe('attachments through message:send on S3-compatible storage (s3rver), two nodes', () => {
  let redis: TestRedis;
  let s3Dir: string;
  let s3: { close(): Promise<void> };
  let nodes: TestNode[];

  beforeAll(async () => {
    redis = await startRedis();
    s3Dir = mkdtempSync(join(tmpdir(), 'chat-test-rich-s3-'));
    const port = await freePort();
    const server = new S3rver({ port, address: '127.0.0.1', directory: s3Dir, silent: true, configureBuckets: [{ name: 'chat-attachments' }] });
    await server.run();
    s3 = server;
    nodes = await startCluster(2, {
      REDIS_URL: redis.url,
      DATA_DIR: s3Dir,
      S3_ENDPOINT: `http://127.0.0.1:${port}`,
      S3_BUCKET: 'chat-attachments',
      S3_REGION: 'us-east-1',
      S3_ACCESS_KEY_ID: 'S3RVER',
      S3_SECRET_ACCESS_KEY: 'S3RVER',
    });
  });

  afterAll(async () => {
    closeAllClients();
    await stopAll(nodes ?? []);
    await s3?.close();
    await redis?.stop();
    rmSync(s3Dir, { recursive: true, force: true });
  });

  it('uploads to the bucket, sends the message on one node, downloads through the link the other node serves, and deletes the object with the message', async () => {
    const { room, alice, bob } = await aliceAndBobIn('s3-files', nodes[0], nodes[1]);
    const bytes = Buffer.from('%PDF-1.4 quarterly plan');
    const ticket = await requestOk(alice, 'attachment:create', { room, filename: 'plan.pdf', contentType: 'application/pdf', size: bytes.length });
    expect((await fetch(ticket.uploadUrl, { method: 'PUT', headers: ticket.headers, body: bytes })).status).toBe(200);

    const heard = nextEvent<Message>(bob, 'message');
    const sent = await send(alice, room, 'the plan', { attachments: [ticket.attachmentId] });
    expect((await heard).attachments).toEqual([
      { id: ticket.attachmentId, filename: 'plan.pdf', contentType: 'application/pdf', size: bytes.length, url: expect.any(String) },
    ]);
    const [served] = (await requestOk<{ messages: Message[] }>(bob, 'message:history', { room })).messages;
    const download = await fetch(served.attachments![0].url);
    expect(Buffer.from(await download.arrayBuffer())).toEqual(bytes);

    await requestOk(alice, 'message:delete', { room, messageId: sent.id });
    await until('the object is deleted with its message', async () => ((await fetch(served.attachments![0].url)).status === 404 ? true : undefined));
  });
});
