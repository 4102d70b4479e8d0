import { createECDH, createHash, randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import type { Socket } from 'socket.io-client';
import { connect, requestOk } from '../support/clients';
import { untilTrue } from '../support/condition';
import { http } from '../support/http';
import { uniqueRoom, useCluster } from '../support/scenario';
import { makeToken } from '../support/tokens';

const adminToken = () => makeToken({ sub: 'dpo', roles: ['admin'] });
const PUSH_HOST = 'push.example.test';

async function ndjson(baseUrl: string, path: string): Promise<{ status: number; lines: any[]; raw: string }> {
  const response = await fetch(`${baseUrl}${path}`, { headers: { authorization: `Bearer ${adminToken()}` } });
  const raw = await response.text();
  return {
    status: response.status,
    raw,
    lines: raw
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line)),
  };
}

/** Every key of the Redis and what it holds, as text, for a search through all of it. */
async function dumpAll(redis: Redis): Promise<{ key: string; ttlMs: number; text: string }[]> {
  const dump: { key: string; ttlMs: number; text: string }[] = [];
  for (const key of await redis.keys('*')) {
    const type = await redis.type(key);
    const contents: Record<string, () => Promise<unknown>> = {
      string: () => redis.get(key),
      hash: () => redis.hgetall(key),
      set: () => redis.smembers(key),
      zset: () => redis.zrange(key, '0', '-1'),
      list: () => redis.lrange(key, 0, -1),
      stream: () => redis.xrange(key, '-', '+'),
    };
    dump.push({ key, ttlMs: await redis.pttl(key), text: `${key} ${JSON.stringify(await (contents[type] ?? (async () => type))())}` });
  }
  return dump;
}

describe("compliance: a user's data export and erasure", () => {
  const cluster = useCluster(2, { RETENTION_SWEEP_MS: '200', PUSH_ALLOWED_HOSTS: PUSH_HOST });
  const node = (i: number) => cluster.nodes[i].url;
  const admin = (method: string, path: string) => http(node(0), method, path, { token: adminToken() });
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(cluster.redis.url);
  });
  afterAll(() => redis?.disconnect());

  const user = (nodeIndex: number, sub: string) => connect(node(nodeIndex), { token: makeToken({ sub, name: `${sub} the tester` }) });
  const send = (socket: Socket, room: string, content: string, extra: Record<string, unknown> = {}) =>
    requestOk<{ id: string }>(socket, 'message:send', { room, content, ...extra });

  it('exports everything stored about the user, then erases it: tombstones keep ids and thread links, nothing else of the user is left in Redis', async () => {
    const team = uniqueRoom('team');
    const left = uniqueRoom('left-behind');
    const ivan = await user(0, 'ivan');
    const judy = await user(1, 'judy');
    for (const room of [team, left]) await requestOk(ivan, 'room:join', { room });
    await requestOk(judy, 'room:join', { room: team });

    const root = await send(ivan, team, 'ivanroot zebrafish plans');
    const judysReply = await send(judy, team, 'judy answers the plans', { replyTo: root.id });
    const ivansReply = await send(ivan, team, 'ivanreply quokka agrees', { replyTo: judysReply.id });
    await requestOk(ivan, 'reaction:add', { room: team, messageId: judysReply.id, emoji: '🦓' });
    await requestOk(judy, 'reaction:add', { room: team, messageId: root.id, emoji: '👀' });
    await requestOk(ivan, 'receipt:read', { room: team, messageId: judysReply.id });
    const inLeft = await send(ivan, left, 'ivanleft narwhal memo');
    await requestOk(ivan, 'room:leave', { room: left });
    const dm = await requestOk<{ id: string; room: string }>(ivan, 'dm:send', { to: 'judy', content: 'ivandm axolotl secret' });
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    const endpoint = `https://${PUSH_HOST}/push/ivan-phone`;
    await requestOk(ivan, 'push:subscribe', {
      subscription: { endpoint, keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: randomBytes(16).toString('base64url') } },
    });

    const exported = await ndjson(node(1), '/admin/users/ivan/data');
    expect(exported.status).toBe(200);
    const byType = (type: string) => exported.lines.filter((line) => line.type === type);
    expect(
      byType('message')
        .map((line) => line.id)
        .sort(),
    ).toEqual([root.id, ivansReply.id, inLeft.id, dm.id].sort());
    expect(byType('message').find((line) => line.id === root.id)).toMatchObject({
      room: team,
      userId: 'ivan',
      content: 'ivanroot zebrafish plans',
      reactions: { '👀': 1 },
    });
    expect(byType('reaction')).toEqual([{ type: 'reaction', room: team, messageId: judysReply.id, emoji: '🦓' }]);
    expect(byType('receipt')).toEqual([{ type: 'receipt', room: team, messageId: judysReply.id }]);
    expect(
      byType('room')
        .map((line) => line.room)
        .sort(),
    ).toEqual([dm.room, team].sort());
    expect(byType('pushSubscription')).toEqual([{ type: 'pushSubscription', endpoint }]);
    const manifest = exported.lines.at(-1);
    const body = exported.raw.slice(0, exported.raw.lastIndexOf('{"type":"manifest"'));
    expect(manifest).toEqual({ type: 'manifest', userId: 'ivan', count: exported.lines.length - 1, sha256: createHash('sha256').update(body).digest('hex') });

    const hold = await http(node(0), 'POST', '/admin/holds', { token: adminToken(), body: { userId: 'ivan', reason: 'matter 9' } });
    expect(await admin('DELETE', '/admin/users/ivan/data')).toMatchObject({ status: 409, body: { code: 'held' } });
    expect(await redis.scard('compliance:erasures')).toBe(0);
    await admin('DELETE', `/admin/holds/${hold.body.id}`);

    ivan.close();
    const erasure = await admin('DELETE', '/admin/users/ivan/data');
    expect(erasure).toMatchObject({ status: 202, body: { userId: 'ivan' } });
    await untilTrue(async () => (await redis.scard('compliance:erasures')) === 0, 'the erasure finished');

    const history = await requestOk(judy, 'message:history', { room: team });
    expect(history.messages.map((message: { id: string }) => message.id)).toEqual([judysReply.id]);
    expect(history.messages[0]).toMatchObject({ replyTo: root.id });
    expect(history.messages[0].reactions ?? {}).toEqual({});
    // thread links hold: the erased root still lists judy's reply, judy's reply still lists ivan's erased one
    expect(await redis.zrange(`chat:{${team}}:thread:${root.id}`, '0', '-1')).toEqual([judysReply.id]);
    expect(await redis.zrange(`chat:{${team}}:thread:${judysReply.id}`, '0', '-1')).toEqual([ivansReply.id]);
    const teamExport = await ndjson(node(0), `/admin/export?room=${team}`);
    expect(teamExport.lines.slice(0, -1)).toEqual([
      { id: root.id, room: team, userId: 'ivan', content: '', createdAt: expect.any(Number), deleted: true, erased: true },
      expect.objectContaining({ id: judysReply.id, content: 'judy answers the plans', replyTo: root.id }),
      { id: ivansReply.id, room: team, userId: 'ivan', content: '', createdAt: expect.any(Number), replyTo: judysReply.id, deleted: true, erased: true },
    ]);
    const search = await requestOk(judy, 'message:search', { query: 'zebrafish', room: team });
    expect(search.messages).toEqual([]);

    const words = ['zebrafish', 'quokka', 'narwhal', 'axolotl', 'ivan the tester', endpoint];
    const dump = await dumpAll(redis);
    for (const word of words) expect(dump.filter((entry) => entry.text.includes(word)).map((entry) => entry.key)).toEqual([]);
    const namingIvan = dump.filter((entry) => entry.text.replaceAll(dm.room, '').includes('ivan'));
    // kept on purpose: tombstones and the audit trail; and the event budget's counter, a number that lapses with its
    // window (THROTTLE_WS_TTL_MS, 10 s by default), as docs/COMPLIANCE.md says
    const allowed = ({ key, ttlMs }: { key: string; ttlMs: number }) =>
      key.endsWith(':tombstones') || key === 'audit:entries' || (key.startsWith('throttle:{ws:user:ivan}') && ttlMs > 0 && ttlMs <= 10_000);
    expect(namingIvan.filter((entry) => !allowed(entry)).map((entry) => `${entry.key} (ttl ${entry.ttlMs} ms)`)).toEqual([]);

    const after = await ndjson(node(1), '/admin/users/ivan/data');
    expect(after.lines).toEqual([{ type: 'manifest', userId: 'ivan', count: 0, sha256: createHash('sha256').update('').digest('hex') }]);
  });
});
