import { Redis } from 'ioredis';
import { mkdirSync, mkdtempSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AttachmentRepository } from '../../src/attachments/attachment.repository';
import { attachmentKeys } from '../../src/attachments/keys';
import { roomKeys } from '../../src/rooms/keys';
import type { SearchIndexFailures } from '../../src/search/search-index-failures';
import { SearchIndexRepository } from '../../src/search/search-index.repository';
import { SearchIndexWriter } from '../../src/search/search-index.writer';
import { AttachmentContext, startAttachmentContext } from '../support/attachment-context';
import { connect, requestOk } from '../support/clients';
import { untilTrue } from '../support/condition';
import { http } from '../support/http';
import { startNode, TestNode } from '../support/nodes';
import { startRedis, TestRedis } from '../support/redis-server';
import { uniqueRoom } from '../support/scenario';
import { makeToken } from '../support/tokens';

const DAY_MS = 86_400_000;
const LIFETIME_MS = 90 * DAY_MS;

/**
 * No key of a room outlives its messages (docs/COMPLIANCE.md): the room's stream expires ROOM_IDLE_TTL_DAYS after
 * its last message, and every other key of the room expires no later. Days cannot pass in a test, so these tests
 * read lifetimes in Redis: first the scripts one by one, then every key of a room used through a real node.
 */
describe("room keys expire no later than the room's messages", () => {
  let server: TestRedis;
  let redis: Redis;
  /** When a key expires, epoch ms, as Redis holds it (-1: never, -2: no such key): exact, whenever it is read. */
  const expiresAt = async (key: string) => Number(await redis.call('PEXPIRETIME', key));

  beforeAll(async () => {
    server = await startRedis();
    redis = new Redis(server.url);
  });

  afterAll(async () => {
    redis.disconnect();
    await server.stop();
  });

  describe('scripts', () => {
    const writer = () =>
      new SearchIndexWriter(new SearchIndexRepository(redis), { record: () => undefined } as unknown as SearchIndexFailures, { searchIndexFlushMs: 0 });

    it("the index write gives its keys the stream's lifetime, and renews every key of the index once the stream was renewed", async () => {
      const room = uniqueRoom('renewed');
      const stream = roomKeys.messages(room);
      await redis.xadd(stream, '*', 'placeholder', '1');
      await redis.pexpire(stream, 10 * DAY_MS);
      const index = writer();
      index.index(room, { id: '1000-0', content: 'alpha beta' });
      await index.flush();

      const expiries = async () =>
        Object.fromEntries(await Promise.all((await redis.keys(`search:{${room}}:*`)).map(async (key) => [key, await expiresAt(key)] as const)));
      const streamExpiry = await expiresAt(stream);
      expect(Object.keys(await expiries()).sort()).toEqual([`search:{${room}}:docs`, `search:{${room}}:w:alpha`, `search:{${room}}:w:beta`]);
      for (const expiry of Object.values(await expiries())) {
        expect(expiry).toBeGreaterThan(Date.now() + 9 * DAY_MS);
        expect(expiry).toBeLessThanOrEqual(streamExpiry);
      }

      // a later send renewed the stream; the next index write (of other words) renews the old words too
      await redis.pexpire(stream, 50 * DAY_MS);
      index.index(room, { id: '1001-0', content: 'gamma' });
      await index.flush();
      const renewed = await expiries();
      expect(Object.keys(renewed)).toHaveLength(4);
      const renewedStreamExpiry = await expiresAt(stream);
      for (const expiry of Object.values(renewed)) {
        expect(expiry).toBeGreaterThan(Date.now() + 49 * DAY_MS);
        expect(expiry).toBeLessThanOrEqual(renewedStreamExpiry);
      }
    });

    it('writes no entry for a room whose messages are gone', async () => {
      const room = uniqueRoom('gone');
      const index = writer();
      index.index(room, { id: '1000-0', content: 'orphan words' });
      await index.flush();
      expect(await redis.keys(`search:{${room}}:*`)).toEqual([]);
    });

    it('a claimed attachment expires with the stream the send leaves, and follows its renewals', async () => {
      const repository = new AttachmentRepository(redis);
      const claim = async (room: string, id: string) => {
        await repository.create(
          room,
          { id, owner: 'alice', filename: 'a.txt', contentType: 'text/plain', size: 1, state: 'pending', createdAt: Date.now() },
          3600,
        );
        expect(await repository.attach(room, 'alice', [id], LIFETIME_MS, Date.now())).toBeUndefined();
        return expiresAt(attachmentKeys.metadata(room, id));
      };
      // a busy room: its stream is not renewed by the coming send, so the attachment takes the stream's expiry
      const busy = uniqueRoom('busy');
      await redis.xadd(roomKeys.messages(busy), '*', 'placeholder', '1');
      await redis.pexpire(roomKeys.messages(busy), LIFETIME_MS - DAY_MS / 2);
      const busyExpiry = await claim(busy, 'busy-attachment-000000');
      expect(busyExpiry).toBe(await expiresAt(roomKeys.messages(busy)));

      // a new room: the send will give the stream a whole lifetime, from a later moment than the claim
      const fresh = uniqueRoom('fresh');
      const before = Date.now();
      const freshExpiry = await claim(fresh, 'fresh-attachment-00000');
      expect(freshExpiry).toBeGreaterThan(before + LIFETIME_MS - 60_000);
      expect(freshExpiry).toBeLessThanOrEqual(Date.now() + LIFETIME_MS);

      // renewed with the room: the sweep's check gives it the stream's longer lifetime
      await redis.pexpire(roomKeys.messages(busy), LIFETIME_MS);
      const renewed = await repository.renewClaimed({ id: 'busy-attachment-000000', room: busy });
      expect(renewed.metadataTtlMs).toBeGreaterThan(LIFETIME_MS - 60_000);
      expect(await expiresAt(attachmentKeys.metadata(busy, 'busy-attachment-000000'))).toBe(await expiresAt(roomKeys.messages(busy)));
    });
  });

  describe('the sweep of attachment files of expired rooms (local storage)', () => {
    let dataDir: string;
    let context: AttachmentContext;

    beforeAll(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'chat-test-uploads-'));
      context = await startAttachmentContext({ REDIS_URL: server.url, DATA_DIR: dataDir });
    });

    afterAll(async () => {
      await context?.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it("removes the file once its metadata and its room's messages are gone, and keeps files of live rooms and of holds", async () => {
      await redis.del(attachmentKeys.claimed);
      const kept = join(dataDir, 'uploads', 'kept');
      mkdirSync(kept, { recursive: true });
      const repository = new AttachmentRepository(redis);
      const claimed = async (room: string, id: string) => {
        writeFileSync(join(kept, id), 'x');
        await redis.xadd(roomKeys.messages(room), '*', 'placeholder', '1');
        await repository.create(
          room,
          { id, owner: 'alice', filename: 'a.txt', contentType: 'text/plain', size: 1, state: 'pending', createdAt: Date.now() },
          3600,
        );
        await repository.attach(room, 'alice', [id], LIFETIME_MS, Date.now());
      };
      const expired = uniqueRoom('expired');
      const live = uniqueRoom('live');
      const held = uniqueRoom('held');
      await claimed(expired, 'expiredAttachment00000');
      await claimed(live, 'liveAttachment00000000');
      await claimed(held, 'heldAttachment00000000');
      // what the days would do: the expired room's keys lapse; the held room's stream lapses while a hold keeps the
      // attachment of a held deletion; the live room lost the metadata alone
      await redis.del(roomKeys.messages(expired), attachmentKeys.metadata(expired, 'expiredAttachment00000'));
      await context.attachments.keepForHold(held, ['heldAttachment00000000']);
      await redis.del(roomKeys.messages(held));
      await redis.del(attachmentKeys.metadata(live, 'liveAttachment00000000'));

      expect(await context.attachments.sweepExpiredRooms(Date.now() + 2 * 3_600_000)).toBe(1);
      expect(existsSync(join(kept, 'expiredAttachment00000'))).toBe(false);
      expect(existsSync(join(kept, 'liveAttachment00000000'))).toBe(true);
      expect(existsSync(join(kept, 'heldAttachment00000000'))).toBe(true);
      const members = await redis.zrange(attachmentKeys.claimed, '0', '-1');
      expect(members.sort()).toEqual([`heldAttachment00000000 ${held}`, `liveAttachment00000000 ${live}`]);
      // not due again before a day: a second sweep finds nothing to do
      expect(await context.attachments.sweepExpiredRooms(Date.now() + 3 * 3_600_000)).toBe(0);
    });
  });

  describe('a room used through a real node', () => {
    let node: TestNode;
    let dataDir: string;
    const adminToken = makeToken({ sub: 'records', roles: ['admin'] });

    beforeAll(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'chat-test-uploads-'));
      node = await startNode({ REDIS_URL: server.url, DATA_DIR: dataDir, SEARCH_INDEX_FLUSH_MS: '0' });
    });

    afterAll(async () => {
      await node?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    /** Every key of the room, with when it expires (-1: never). */
    const roomKeyExpiries = async (room: string) => {
      const keys = (await redis.keys('*')).filter((key) => key.includes(`{${room}}`));
      return Object.fromEntries(await Promise.all(keys.map(async (key) => [key, await expiresAt(key)] as const)));
    };
    /** Presence lives while connected (its own lease): closed clients' entries are gone once the node saw them go. */
    const presenceGone = (room: string) =>
      untilTrue(async () => (await redis.keys(`chat:{${room}}:presence:*`)).length === 0, 'presence of closed clients removed');

    it('after a send with a searchable word and an attachment, every search and attachment key expires no later than the stream', async () => {
      const room = uniqueRoom('attached');
      const alice = await connect(node.url, { token: makeToken({ sub: 'alice', name: 'Alice' }) });
      await requestOk(alice, 'room:join', { room });
      const ticket = await requestOk(alice, 'attachment:create', { room, filename: 'plan.txt', contentType: 'text/plain', size: 4 });
      expect((await fetch(node.url + ticket.uploadUrl, { method: 'PUT', headers: { 'Content-Type': 'text/plain' }, body: 'plan' })).status).toBe(200);
      const sent = await requestOk<{ id: string }>(alice, 'message:send', { room, content: 'the zeppelin plan', attachments: [ticket.attachmentId] });
      await untilTrue(async () => (await redis.hexists(`search:{${room}}:docs`, sent.id)) === 1, 'the message indexed');
      alice.close();

      const streamExpiry = await expiresAt(roomKeys.messages(room));
      expect(streamExpiry).toBeGreaterThan(Date.now());
      const expiries = await roomKeyExpiries(room);
      const checked = Object.keys(expiries).filter((key) => key.startsWith(`search:{${room}}:`) || key.startsWith(`attachment:{${room}}:`));
      expect(checked).toEqual(
        expect.arrayContaining([`search:{${room}}:docs`, `search:{${room}}:w:zeppelin`, attachmentKeys.metadata(room, ticket.attachmentId)]),
      );
      for (const key of checked) {
        expect([key, expiries[key] > 0 && expiries[key] <= streamExpiry]).toEqual([key, true]);
      }
    });

    it('every key of a room used in every way (send, reply, react, read, attach, search) expires no later than its messages; a deletion under a hold never expires', async () => {
      const room = uniqueRoom('used');
      const alice = await connect(node.url, { token: makeToken({ sub: 'alice', name: 'Alice' }) });
      const bob = await connect(node.url, { token: makeToken({ sub: 'bob', name: 'Bob' }) });
      await requestOk(alice, 'room:join', { room });
      await requestOk(bob, 'room:join', { room });
      const ticket = await requestOk(alice, 'attachment:create', { room, filename: 'held.txt', contentType: 'text/plain', size: 4 });
      expect((await fetch(node.url + ticket.uploadUrl, { method: 'PUT', headers: { 'Content-Type': 'text/plain' }, body: 'held' })).status).toBe(200);

      const root = await requestOk<{ id: string }>(alice, 'message:send', { room, content: 'quarterly zeppelin numbers', clientMsgId: 'root-1' });
      const reply = await requestOk<{ id: string }>(bob, 'message:send', { room, content: 'a reply about zeppelins', replyTo: root.id });
      const doomed = await requestOk<{ id: string }>(alice, 'message:send', { room, content: 'evidence', attachments: [ticket.attachmentId] });
      await requestOk(bob, 'reaction:add', { room, messageId: root.id, emoji: '👍' });
      await requestOk(bob, 'receipt:read', { room, messageId: reply.id });
      await requestOk(alice, 'message:edit', { room, messageId: root.id, content: 'quarterly zeppelin numbers, revised' });
      const found = await requestOk<{ messages: { id: string }[] }>(bob, 'message:search', { query: 'zeppelin', room });
      expect(found.messages.map((message) => message.id)).toContain(root.id);

      await untilTrue(async () => (await redis.hexists(`search:{${room}}:docs`, root.id)) === 1, 'the root indexed');
      alice.close();
      bob.close();
      await presenceGone(room);

      const streamExpiry = await expiresAt(roomKeys.messages(room));
      expect(streamExpiry).toBeGreaterThan(Date.now());
      const expiries = await roomKeyExpiries(room);
      // what the room's use wrote: each kind of key is there to be checked
      expect(Object.keys(expiries)).toEqual(
        expect.arrayContaining([
          roomKeys.messages(room),
          roomKeys.edits(room),
          roomKeys.reactionCounts(room),
          roomKeys.reactionsByUser(room, root.id),
          roomKeys.thread(room, root.id),
          roomKeys.lastRead(room),
          roomKeys.dedup(room, 'alice', 'root-1'),
          `search:{${room}}:docs`,
          `search:{${room}}:w:zeppelin`,
          attachmentKeys.metadata(room, ticket.attachmentId),
        ]),
      );
      for (const [key, expiry] of Object.entries(expiries)) expect([key, expiry > 0 && expiry <= streamExpiry]).toEqual([key, true]);

      // a legal hold keeps a held deletion and its attachment whatever the room's lifetime (docs/COMPLIANCE.md);
      // the retention sweeper also takes the expiry off the held room's messages, tested in compliance.e2e-spec
      const hold = await http(node.url, 'POST', '/admin/holds', { token: adminToken, body: { room, reason: 'litigation' } });
      expect(hold.status).toBe(201);
      const author = await connect(node.url, { token: makeToken({ sub: 'alice', name: 'Alice' }) });
      await requestOk(author, 'room:join', { room });
      await requestOk(author, 'message:delete', { room, messageId: doomed.id });
      author.close();
      const held = await roomKeyExpiries(room);
      for (const key of [roomKeys.heldDeletions(room), attachmentKeys.metadata(room, ticket.attachmentId)]) expect([key, held[key]]).toEqual([key, -1]);
      // the hold's own record is not a key of the room
      const holds = await http(node.url, 'GET', '/admin/holds', { token: adminToken });
      for (const { id } of holds.body.holds as { id: string }[])
        expect((await http(node.url, 'DELETE', `/admin/holds/${id}`, { token: adminToken })).status).toBe(204);
    });
  });
});
