import Redis from 'ioredis';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'socket.io-client';
import { Ack, collect, connect, nextEvent, request, requestOk } from '../support/clients';
import { until } from '../support/redis-failover';
import { useCluster, uniqueRoom } from '../support/scenario';
import { makeToken } from '../support/tokens';

const QUOTA_BYTES = 1000;
const SEARCH_MAX_ROOMS = 50;

/**
 * Round two of the security review, rich content: searches bounded in rooms and rate, calls only between related
 * users, and a daily attachment quota; two nodes on one Redis, the search rate at its default (2 per second).
 */
describe('hardening: search bounds, call relations, attachment quota', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'chat-test-hardening-rich-'));
  const cluster = useCluster(2, { DATA_DIR: dataDir, ATTACHMENT_QUOTA_BYTES: String(QUOTA_BYTES) });
  const nodeA = () => cluster.nodes[0].url;
  const nodeB = () => cluster.nodes[1].url;
  let redis: Redis;

  beforeAll(() => {
    redis = new Redis(cluster.redis.url);
  });
  afterAll(() => {
    redis?.disconnect();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const as = (url: string, sub: string, extra: object = {}) => connect(url, { token: makeToken({ sub, ...extra }) });

  describe('message:search', () => {
    it("searches the user's 50 most recently active rooms and says partial: true when the user holds more", async () => {
      const searcher = await as(nodeA(), 'search-holder');
      const rooms = Array.from({ length: SEARCH_MAX_ROOMS + 1 }, () => uniqueRoom('searched'));
      for (const room of rooms) await requestOk(searcher, 'room:join', { room });
      // the first room's message is the oldest: later ones are written once Redis's clock has moved past it
      const first = await requestOk<{ id: string; createdAt: number }>(searcher, 'message:send', { room: rooms[0], content: 'needle zero' });
      await until('Redis time past the first message', async () => {
        const [seconds, micros] = await redis.time();
        return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000) > first.createdAt || undefined;
      });
      const later: string[] = [];
      for (const room of rooms.slice(1)) later.push((await requestOk<{ id: string }>(searcher, 'message:send', { room, content: `needle in ${room}` })).id);

      const everywhere = await requestOk<{ messages: { id: string; room: string }[]; partial?: boolean }>(searcher, 'message:search', {
        query: 'needle',
        limit: 50,
      });
      expect(everywhere.partial).toBe(true);
      expect(everywhere.messages.map((message) => message.id).sort()).toEqual([...later].sort());
      expect(everywhere.messages.map((message) => message.room)).not.toContain(rooms[0]);

      // naming the room searches it, and is complete
      const named = await requestOk(searcher, 'message:search', { query: 'needle', room: rooms[0] });
      expect(named).toEqual({ messages: [expect.objectContaining({ id: first.id })] });
    });

    it('allows SEARCH_RATE_LIMIT searches per second per user across nodes, then rate_limited with retryAfterMs', async () => {
      const room = uniqueRoom('rated');
      const onA = await as(nodeA(), 'search-hasty');
      const onB = await as(nodeB(), 'search-hasty');
      await requestOk(onA, 'room:join', { room });
      await requestOk(onA, 'message:send', { room, content: 'rate limited search' });

      const search = (socket: Socket) => request<{ messages: unknown[]; partial?: boolean }>(socket, 'message:search', { query: 'search' });
      const answers = await Promise.all([search(onA), search(onB), search(onA), search(onB), search(onA), search(onB)]);
      const passed = answers.filter((answer) => answer.ok);
      const refused = answers.filter((answer): answer is Extract<Ack, { ok: false }> => !answer.ok);
      expect(passed).toHaveLength(2);
      for (const answer of passed) expect(answer).toEqual({ ok: true, data: { messages: [expect.objectContaining({ content: 'rate limited search' })] } });
      expect(refused).toHaveLength(4);
      for (const { error } of refused) {
        expect(error.code).toBe('rate_limited');
        expect(error.details.retryAfterMs).toBeGreaterThan(0);
        expect(error.details.retryAfterMs).toBeLessThanOrEqual(1000);
      }
      // another user's budget is their own
      const other = await as(nodeB(), 'search-patient');
      expect(await search(other)).toMatchObject({ ok: true });
      // the window passes: searching works again
      await until('a search passes again', async () => ((await search(onB)).ok ? true : undefined));
    });
  });

  describe('call:signal', () => {
    it("refuses an invite without a shared room or DM, with one answer whether the callee is online, offline, unknown or out of the caller's grants", async () => {
      const room = uniqueRoom('project');
      const alice = await as(nodeA(), 'call-alice');
      await requestOk(alice, 'room:join', { room });
      const bob = await as(nodeB(), 'call-bob'); // may read the room, need not be in it
      const carol = await as(nodeB(), 'call-carol', { rooms: ['sales-*'] }); // online, may not read it
      const carolHeard = collect(carol, 'call:signal');
      (await as(nodeB(), 'call-dave', { rooms: ['sales-*'] })).close(); // known, offline, may not read it
      const aliceRestricted = await as(nodeA(), 'call-alice', { rooms: ['sales-*'] }); // a token that no longer reads the room

      const invite = (from: Socket, to: string) => request(from, 'call:signal', { to, callId: `invite-${to}-${Math.random()}`, type: 'invite', data: {} });
      const refusals = [
        await invite(alice, 'call-carol'),
        await invite(alice, 'call-dave'),
        await invite(alice, 'call-nobody'),
        await invite(aliceRestricted, 'call-bob'),
      ];
      expect(refusals[0]).toEqual({ ok: false, error: { code: 'forbidden', message: 'no room or DM shared with this user' } });
      for (const refusal of refusals) expect(refusal).toEqual(refusals[0]);

      const bobRings = nextEvent(bob, 'call:signal');
      expect(await requestOk(alice, 'call:signal', { to: 'call-bob', callId: 'shared-room', type: 'invite', data: { video: true } })).toEqual({ delivered: 1 });
      expect(await bobRings).toEqual({ from: 'call-alice', callId: 'shared-room', type: 'invite', data: { video: true } });

      // a DM room of the two is a relation whatever the grants; carol hears that invite and none of the refused
      await requestOk(alice, 'dm:send', { to: 'call-carol', content: 'may I call?' });
      const carolRings = nextEvent(carol, 'call:signal');
      expect(await requestOk(alice, 'call:signal', { to: 'call-carol', callId: 'by-dm', type: 'invite', data: {} })).toEqual({ delivered: 1 });
      await carolRings;
      expect(carolHeard.map((signal: { callId: string }) => signal.callId)).toEqual(['by-dm']);
    });

    it('relays the other types of a call only between the two users of its invite, remembered in Redis with a TTL', async () => {
      const room = uniqueRoom('call-pair');
      const alice = await as(nodeA(), 'pair-alice');
      await requestOk(alice, 'room:join', { room });
      const bob = await as(nodeB(), 'pair-bob');
      const mallory = await as(nodeB(), 'pair-mallory');
      await requestOk(mallory, 'room:join', { room });
      const signal = (from: Socket, to: string, type: string, callId = 'pair-call') => request(from, 'call:signal', { to, callId, type, data: {} });
      const notAParty = { ok: false, error: { code: 'forbidden', message: 'not a party to this call' } };

      expect(await signal(alice, 'pair-bob', 'offer')).toEqual(notAParty); // no invite yet
      expect(await signal(alice, 'pair-bob', 'invite')).toEqual({ ok: true, data: { delivered: 1 } });
      const ttl = await redis.ttl('call:{pair-call}:parties');
      expect(ttl).toBeGreaterThan(0);
      expect(await signal(alice, 'pair-bob', 'offer')).toEqual({ ok: true, data: { delivered: 1 } });
      expect(await signal(bob, 'pair-alice', 'answer')).toEqual({ ok: true, data: { delivered: 1 } });
      expect(await signal(bob, 'pair-bob', 'hangup')).toEqual({ ok: true, data: { delivered: 1 } });

      for (const [to, type] of [
        ['pair-alice', 'ice'],
        ['pair-bob', 'hangup'],
        ['pair-alice', 'answer'],
      ])
        expect(await signal(mallory, to, type)).toEqual(notAParty);
      expect(await signal(alice, 'pair-mallory', 'ice')).toEqual(notAParty);
      // mallory is related to alice, but the call id is the pair's
      expect(await signal(mallory, 'pair-alice', 'invite')).toMatchObject({ ok: false, error: { code: 'forbidden' } });
      expect(await signal(mallory, 'pair-alice', 'invite', 'mallory-call')).toEqual({ ok: true, data: { delivered: 1 } });
    });
  });

  describe('attachment:create', () => {
    const declare = (socket: Socket, room: string, size: number) =>
      request(socket, 'attachment:create', { room, filename: 'a.txt', contentType: 'text/plain', size });

    it('counts declared bytes per user per day across nodes and refuses past ATTACHMENT_QUOTA_BYTES with payload_too_large and details.quotaBytes', async () => {
      const room = uniqueRoom('files');
      const onA = await as(nodeA(), 'quota-user');
      const onB = await as(nodeB(), 'quota-user');
      await requestOk(onA, 'room:join', { room });
      await requestOk(onB, 'room:join', { room });

      expect(await declare(onA, room, 600)).toMatchObject({ ok: true });
      const refused = await declare(onB, room, 500);
      expect(refused).toMatchObject({ ok: false, error: { code: 'payload_too_large', details: { quotaBytes: QUOTA_BYTES } } });
      expect(await declare(onB, room, 400)).toMatchObject({ ok: true }); // exactly the quota
      expect(await declare(onA, room, 1)).toMatchObject({ ok: false, error: { code: 'payload_too_large', details: { quotaBytes: QUOTA_BYTES } } });

      const [counter] = await redis.keys('attachment:quota:{user:quota-user}:*');
      expect(await redis.get(counter)).toBe(String(QUOTA_BYTES));
      expect(await redis.ttl(counter)).toBeGreaterThan(0);

      const other = await as(nodeB(), 'quota-other');
      await requestOk(other, 'room:join', { room });
      expect(await declare(other, room, 600)).toMatchObject({ ok: true });
    });

    it('lets no burst of parallel declarations on two nodes pass the quota', async () => {
      const room = uniqueRoom('files-race');
      const sockets = [await as(nodeA(), 'quota-racer'), await as(nodeB(), 'quota-racer')];
      for (const socket of sockets) await requestOk(socket, 'room:join', { room });
      const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => declare(sockets[i % 2], room, 300)));
      expect(answers.filter((answer) => answer.ok)).toHaveLength(3);
      expect(answers.filter((answer) => !answer.ok && answer.error.code === 'payload_too_large')).toHaveLength(5);
    });
  });
});
