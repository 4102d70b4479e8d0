import { createHash } from 'node:crypto';
import Redis from 'ioredis';
import type { Socket } from 'socket.io-client';
import { connect, request, requestOk } from '../support/clients';
import { untilTrue } from '../support/condition';
import { http } from '../support/http';
import { uniqueRoom, useCluster } from '../support/scenario';
import { makeToken } from '../support/tokens';

const adminToken = () => makeToken({ sub: 'records', roles: ['admin'] });

interface ExportedLine {
  id?: string;
  type?: string;
  [field: string]: any;
}

/** The export as the admin receives it: its lines parsed, and the raw text for the digest. */
async function exportRoom(baseUrl: string, query: string): Promise<{ status: number; contentType: string | null; lines: ExportedLine[]; raw: string }> {
  const response = await fetch(`${baseUrl}/admin/export?${query}`, { headers: { authorization: `Bearer ${adminToken()}` } });
  const raw = await response.text();
  const lines = raw
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as ExportedLine);
  return { status: response.status, contentType: response.headers.get('content-type'), lines, raw };
}

/** The manifest's digest is that of every line before it, newlines included. */
function digestBeforeManifest(raw: string): string {
  const body = raw.slice(0, raw.lastIndexOf('{"type":"manifest"'));
  return createHash('sha256').update(body).digest('hex');
}

describe('compliance: retention, legal holds and export across two nodes', () => {
  const cluster = useCluster(2, { RETENTION_SWEEP_MS: '200' });
  const node = (i: number) => cluster.nodes[i].url;
  const admin = (method: string, path: string, body?: unknown) => http(node(0), method, path, { token: adminToken(), body });
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(cluster.redis.url);
  });
  afterAll(() => redis?.disconnect());

  async function member(nodeIndex: number, sub: string, rooms: string[]): Promise<Socket> {
    const socket = await connect(node(nodeIndex), { token: makeToken({ sub, name: sub }) });
    for (const room of rooms) await requestOk(socket, 'room:join', { room });
    return socket;
  }

  const send = (socket: Socket, room: string, content: string, extra: Record<string, unknown> = {}) =>
    requestOk<{ id: string }>(socket, 'message:send', { room, content, ...extra });
  const streamIds = async (room: string) => (await redis.xrange(`chat:{${room}}:messages`, '-', '+')).map(([id]) => id);

  describe('validation', () => {
    it.each([
      ['PUT', '/admin/rooms/general/retention', { maxAgeSeconds: 0 }, /maxAgeSeconds/],
      ['PUT', '/admin/rooms/general/retention', { maxAgeSeconds: 10 * 365 * 86_400 + 1 }, /maxAgeSeconds/],
      ['PUT', '/admin/rooms/general/retention', { maxAgeSeconds: '60' }, /maxAgeSeconds/],
      ['PUT', '/admin/rooms/bad%20room/retention', { maxAgeSeconds: 60 }, /room/],
      ['POST', '/admin/holds', { reason: 'no target' }, /room|userId/],
      ['POST', '/admin/holds', { room: 'general', userId: 'alice', reason: 'both' }, /room|userId/],
      ['POST', '/admin/holds', { room: 'general' }, /reason/],
      ['DELETE', '/admin/holds/not-a-uuid', undefined, /id/],
      ['GET', '/admin/export', undefined, /room/],
      ['GET', '/admin/export?room=general&from=yesterday', undefined, /from/],
    ])('%s %s %j: 400 naming the field, nothing stored', async (method, path, body, field) => {
      const response = await admin(method, path, body);
      expect(response.status).toBe(400);
      expect(JSON.stringify(response.body.message)).toMatch(field);
      expect(await redis.hlen('compliance:retention')).toBe(0);
      expect(await redis.hlen('compliance:holds')).toBe(0);
    });

    it('404 for a policy or a hold that does not exist', async () => {
      expect((await admin('DELETE', '/admin/rooms/nowhere/retention')).status).toBe(404);
      expect((await admin('DELETE', '/admin/holds/6f1c1f52-6d0b-4d8e-9a4f-0d3c3e0c8a11')).status).toBe(404);
    });
  });

  describe('retention', () => {
    it("removes a room's messages past its age with their reactions, thread links and search entries, and leaves other rooms alone", async () => {
      const kept = uniqueRoom('kept');
      const expiring = uniqueRoom('expiring');
      const alice = await member(0, 'alice', [kept, expiring]);
      const root = await send(alice, expiring, 'quarterly numbers attached');
      await send(alice, expiring, 'a reply about numbers', { replyTo: root.id });
      await requestOk(alice, 'reaction:add', { room: expiring, messageId: root.id, emoji: '👍' });
      await send(alice, kept, 'this room has no policy');
      await untilTrue(async () => (await redis.keys(`search:{${expiring}}:w:*`)).length > 0, 'the search index written');

      const policy = await admin('PUT', `/admin/rooms/${expiring}/retention`, { maxAgeSeconds: 1 });
      expect(policy).toMatchObject({ status: 200, body: { room: expiring, maxAgeSeconds: 1 } });

      await untilTrue(async () => (await streamIds(expiring)).length === 0, 'the expiring room emptied');
      expect(await redis.keys(`chat:{${expiring}}:reactions:*`)).toEqual([]);
      expect(await redis.keys(`chat:{${expiring}}:thread:*`)).toEqual([]);
      expect(await redis.hlen(`chat:{${expiring}}:reaction-counts`)).toBe(0);
      await untilTrue(async () => (await redis.keys(`search:{${expiring}}:w:*`)).length === 0, 'the search entries removed');
      expect(await redis.hlen(`search:{${expiring}}:docs`)).toBe(0);
      expect(await streamIds(kept)).toHaveLength(1);
      const history = await requestOk(alice, 'message:history', { room: expiring });
      expect(history.messages).toEqual([]);

      expect((await admin('DELETE', `/admin/rooms/${expiring}/retention`)).status).toBe(204);
      const fresh = await send(alice, expiring, 'after the policy was removed');
      expect(await streamIds(expiring)).toEqual([fresh.id]);
    });
  });

  describe('legal holds', () => {
    it("a room hold keeps every message from retention; a user hold keeps that user's messages only", async () => {
      const heldRoom = uniqueRoom('held-room');
      const mixed = uniqueRoom('mixed');
      const witness = uniqueRoom('witness');
      const carol = await member(1, 'carol', [heldRoom, mixed, witness]);
      const dave = await member(0, 'dave', [mixed]);
      const roomHold = await admin('POST', '/admin/holds', { room: heldRoom, reason: 'matter 1' });
      expect(roomHold).toMatchObject({
        status: 201,
        body: { id: expect.any(String), room: heldRoom, reason: 'matter 1', createdBy: 'records', createdAt: expect.any(Number) },
      });
      const userHold = await admin('POST', '/admin/holds', { userId: 'dave', reason: 'matter 2' });
      expect(userHold.status).toBe(201);

      await send(carol, heldRoom, 'held by the room');
      const carolsInMixed = await send(carol, mixed, 'carol is not held');
      const davesInMixed = await send(dave, mixed, 'dave is held');
      await send(carol, witness, 'the witness room expires');
      for (const room of [heldRoom, mixed, witness]) await admin('PUT', `/admin/rooms/${room}/retention`, { maxAgeSeconds: 1 });

      // the sweep visits every room with a policy in one tick: once the witness room is empty, the others were swept too
      await untilTrue(async () => (await streamIds(witness)).length === 0, 'the witness room emptied');
      await untilTrue(async () => !(await streamIds(mixed)).includes(carolsInMixed.id), "carol's message removed");
      expect(await streamIds(heldRoom)).toHaveLength(1);
      expect(await streamIds(mixed)).toEqual([davesInMixed.id]);

      const holds = await admin('GET', '/admin/holds');
      expect(holds.body.holds.map((hold: { id: string }) => hold.id)).toEqual([roomHold.body.id, userHold.body.id]);

      expect((await admin('DELETE', `/admin/holds/${roomHold.body.id}`)).status).toBe(204);
      await untilTrue(async () => (await streamIds(heldRoom)).length === 0, 'the released room swept');
      expect((await admin('DELETE', `/admin/holds/${userHold.body.id}`)).status).toBe(204);
      await untilTrue(async () => (await streamIds(mixed)).length === 0, "dave's message swept once released");
    });

    it('a hold keeps its rooms from expiring with the idle room, and gives the expiry back once released', async () => {
      const heldRoom = uniqueRoom('held-idle');
      const writtenIn = uniqueRoom('written-by-held-user');
      const kate = await member(0, 'kate', [heldRoom]);
      const leo = await member(1, 'leo', [writtenIn]);
      await send(kate, heldRoom, 'kept for the matter');
      await send(leo, writtenIn, 'leo is held');
      const pttl = (room: string) => redis.pttl(`chat:{${room}}:messages`);
      expect(await pttl(heldRoom)).toBeGreaterThan(0);
      const roomHold = await admin('POST', '/admin/holds', { room: heldRoom, reason: 'matter 4' });
      const userHold = await admin('POST', '/admin/holds', { userId: 'leo', reason: 'matter 5' });
      await untilTrue(async () => (await pttl(heldRoom)) === -1 && (await pttl(writtenIn)) === -1, 'both rooms kept from expiring');
      expect(await redis.pttl(`chat:{${heldRoom}}:edits`)).not.toBeGreaterThan(0);

      await admin('DELETE', `/admin/holds/${roomHold.body.id}`);
      await admin('DELETE', `/admin/holds/${userHold.body.id}`);
      await untilTrue(async () => (await pttl(heldRoom)) > 0 && (await pttl(writtenIn)) > 0, 'both rooms expire again');
    });

    it('a held message deleted by its author or an admin is hidden from users but kept for export until the hold goes', async () => {
      const room = uniqueRoom('held-deletions');
      const erin = await member(0, 'erin', [room]);
      const reader = await member(1, 'frank', [room]);
      const hold = await admin('POST', '/admin/holds', { room, reason: 'matter 3' });
      const byAuthor = await send(erin, room, 'I regret this');
      const byAdmin = await send(erin, room, 'an admin removes this');
      await requestOk(reader, 'reaction:add', { room, messageId: byAuthor.id, emoji: '🔥' });
      const stays = await send(erin, room, 'this one stays');

      expect(await request(erin, 'message:delete', { room, messageId: byAuthor.id })).toEqual({ ok: true, data: { room, messageId: byAuthor.id } });
      expect((await admin('DELETE', `/admin/rooms/${room}/messages/${byAdmin.id}`)).status).toBe(204);

      const history = await requestOk(reader, 'message:history', { room });
      expect(history.messages.map((message: { id: string }) => message.id)).toEqual([stays.id]);
      const exported = await exportRoom(node(1), `room=${room}`);
      expect(exported.lines.slice(0, -1)).toEqual([
        expect.objectContaining({
          id: byAuthor.id,
          content: 'I regret this',
          deleted: true,
          deletedAt: expect.any(Number),
          deletedBy: 'erin',
          reactions: { '🔥': 1 },
        }),
        expect.objectContaining({ id: byAdmin.id, content: 'an admin removes this', deleted: true, deletedBy: 'records' }),
        expect.objectContaining({ id: stays.id, content: 'this one stays' }),
      ]);
      expect(exported.lines[2]).not.toHaveProperty('deleted');

      await admin('DELETE', `/admin/holds/${hold.body.id}`);
      await untilTrue(async () => (await redis.hlen(`chat:{${room}}:held-deletions`)) === 0, 'the held deletions purged once released');
      const after = await exportRoom(node(0), `room=${room}`);
      expect(after.lines.map((line) => line.id ?? line.type)).toEqual([stays.id, 'manifest']);
    });
  });

  describe('room export', () => {
    it('streams every message oldest first across pages, with reactions, and a manifest whose count and digest match', async () => {
      const room = uniqueRoom('export');
      const grace = await member(0, 'grace', [room]);
      const sent: string[] = [];
      for (let i = 0; i < 230; i += 1) sent.push((await send(grace, room, `line ${i} of the export`)).id);
      await requestOk(grace, 'reaction:add', { room, messageId: sent[3], emoji: '✅' });

      const exported = await exportRoom(node(1), `room=${room}`);
      expect(exported.status).toBe(200);
      expect(exported.contentType).toMatch(/^application\/x-ndjson/);
      const messages = exported.lines.slice(0, -1);
      expect(messages.map((message) => message.id)).toEqual(sent);
      expect(messages[3]).toMatchObject({ room, userId: 'grace', content: 'line 3 of the export', reactions: { '✅': 1 } });
      expect(exported.lines.at(-1)).toEqual({ type: 'manifest', room, from: null, to: null, count: 230, sha256: digestBeforeManifest(exported.raw) });

      const from = messages[100].createdAt as number;
      const to = messages[200].createdAt as number;
      const ranged = await exportRoom(node(0), `room=${room}&from=${from}&to=${to}`);
      const inRange = messages.filter((message) => message.createdAt >= from && message.createdAt <= to).map((message) => message.id);
      expect(ranged.lines.slice(0, -1).map((line) => line.id)).toEqual(inRange);
      expect(ranged.lines.at(-1)).toMatchObject({ type: 'manifest', from, to, count: inRange.length, sha256: digestBeforeManifest(ranged.raw) });
    });

    it('every compliance call is in the audit trail', async () => {
      const trail = await admin('GET', '/admin/audit?limit=100');
      const actions = new Set(trail.body.entries.map((entry: { action: string }) => entry.action));
      for (const action of ['room.retention.set', 'room.retention.remove', 'hold.place', 'holds.read', 'hold.release', 'room.export'])
        expect(actions).toContain(action);
    });
  });
});

describe('compliance: one sweeper at a time, and another finishes when it dies', () => {
  const cluster = useCluster(2, { RETENTION_SWEEP_MS: '200', RETENTION_SWEEP_BATCH: '10' });
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(cluster.redis.url);
  });
  afterAll(() => redis?.disconnect());

  it('the lease holder sweeps a batch per tick; killed mid-sweep, the other node takes the lease and empties the room', async () => {
    const room = uniqueRoom('backlog');
    const socket = await connect(cluster.nodes[1].url, { token: makeToken({ sub: 'henry' }) });
    await requestOk(socket, 'room:join', { room });
    for (let i = 0; i < 150; i += 1) await requestOk(socket, 'message:send', { room, content: `backlog ${i}` });
    const length = () => redis.xlen(`chat:{${room}}:messages`);

    await http(cluster.nodes[1].url, 'PUT', `/admin/rooms/${room}/retention`, { token: adminToken(), body: { maxAgeSeconds: 1 } });
    await untilTrue(async () => (await length()) < 150, 'the sweep started');
    const holder = await redis.get('compliance:sweep:lease');
    // startCluster names its nodes node-1, node-2, ... in order
    const sweeping = cluster.nodes[['node-1', 'node-2'].indexOf(holder ?? '')];
    expect(sweeping).toBeDefined();
    const left = await length();
    expect(left).toBeGreaterThan(0);
    await sweeping.stop('SIGKILL');

    await untilTrue(async () => (await length()) === 0, 'the other node finished the sweep', 30_000);
    const survivor = cluster.nodes.find((candidate) => candidate !== sweeping)!;
    expect(await redis.get('compliance:sweep:lease')).toBe(`node-${cluster.nodes.indexOf(survivor) + 1}`);
  });
});
