import { createHash, randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { SHA256_LUA } from '../../src/audit/audit-chain';
import { connectError } from '../support/clients';
import { http } from '../support/http';
import { startRedis, TestRedis } from '../support/redis-server';
import { useCluster } from '../support/scenario';
import { makeToken } from '../support/tokens';

const adminToken = () => makeToken({ sub: 'auditor', roles: ['admin'] });

describe('the Lua SHA-256 of the append scripts', () => {
  let redis: TestRedis;
  let client: Redis;
  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
  });
  afterAll(async () => {
    client?.disconnect();
    await redis?.stop();
  });

  it('equals node:crypto for every length around the block boundaries, for UTF-8 and for random bytes', async () => {
    const inputs: Buffer[] = [];
    for (let length = 0; length <= 200; length += 1) inputs.push(Buffer.from('a'.repeat(length)));
    inputs.push(Buffer.from('{"reason":"spam ✓ 日本語 🚫"}\nroot\nuser.ban'), randomBytes(1000), randomBytes(4096), Buffer.alloc(64, 0xff));
    for (const input of inputs) {
      const fromLua = await client.eval(`${SHA256_LUA}\nreturn sha256_hex(ARGV[1])`, 0, input);
      expect(fromLua).toBe(createHash('sha256').update(input).digest('hex'));
    }
  });
});

describe("the audit trail's hash chain across two nodes", () => {
  const cluster = useCluster(2, { SERVER_API_KEYS: `publish@${'k'.repeat(40)}` });
  const verify = async (node = 0) => (await http(cluster.nodes[node].url, 'GET', '/admin/audit/verify', { token: adminToken() })).body;
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(cluster.redis.url);
  });
  afterAll(() => redis?.disconnect());

  it('links every entry written by both nodes at once, aggregated refusals and server API calls included, and breaks where an entry is changed or removed', async () => {
    const actions: Promise<unknown>[] = [];
    for (let i = 0; i < 20; i += 1) {
      const node = cluster.nodes[i % 2].url;
      actions.push(http(node, 'POST', `/admin/users/user-${i}/ban`, { token: adminToken(), body: { reason: `reason ${i}` } }));
      actions.push(
        http(node, 'POST', '/server/rooms/general/messages', { headers: { 'x-api-key': 'k'.repeat(40) }, body: { content: `from a service ${i}` } }),
      );
      actions.push(connectError(node, { token: 'not-a-token' }));
    }
    await Promise.all(actions);

    const trail = (await http(cluster.nodes[1].url, 'GET', '/admin/audit?limit=100', { token: adminToken() })).body.entries;
    expect(trail.filter((entry: { action: string }) => entry.action === 'user.ban')).toHaveLength(20);
    expect(trail.filter((entry: { action: string }) => entry.action === 'server.message.publish')).toHaveLength(20);
    const refusals = trail.filter((entry: { action: string }) => entry.action === 'handshake.refused');
    expect(refusals.reduce((sum: number, entry: { details: { count: number } }) => sum + entry.details.count, 0)).toBe(20);
    expect(refusals.length).toBeLessThan(20);
    expect(trail.every((entry: { hash?: string }) => /^[0-9a-f]{64}$/.test(entry.hash ?? ''))).toBe(true);

    const before = await verify(1);
    expect(before).toEqual({ ok: true, entries: expect.any(Number) });
    expect(before.entries).toBeGreaterThanOrEqual(41);

    const stored = await redis.xrange('audit:entries', '-', '+');
    /** The trail written again entry by entry, with the same ids, as an attacker with access to Redis could. */
    const rewrite = async (entries: [string, string[]][]) => {
      await redis.del('audit:entries');
      for (const [id, entryFields] of entries) await redis.xadd('audit:entries', id, ...entryFields);
    };
    const withActor = (entryFields: string[], actor: string) => entryFields.map((value, i) => (entryFields[i - 1] === 'actor' ? actor : value));

    await rewrite(stored);
    expect(await verify(0)).toEqual({ ok: true, entries: stored.length });

    const changed = stored[10][0];
    await rewrite(stored.map(([id, entryFields]) => [id, id === changed ? withActor(entryFields, 'someone-else') : entryFields]));
    expect(await verify(0)).toEqual({ ok: false, entries: 10, brokenAt: changed });

    const shareOf = (entryFields: string[]) => (entryFields[entryFields.indexOf('action') + 1].startsWith('server.') ? 'server-api' : 'main');
    // an entry in the middle of the trail with a later one in its share (the nodes' writes interleave at random)
    const laterInShare = (index: number) => stored.slice(index + 1).find(([, entryFields]) => shareOf(entryFields) === shareOf(stored[index][1]));
    const removedAt = [...stored.keys()].filter((index) => laterInShare(index)).sort((a, b) => Math.abs(a - 20) - Math.abs(b - 20))[0];
    const removed = stored[removedAt];
    const nextInItsShare = laterInShare(removedAt);
    await rewrite(stored.filter(([id]) => id !== removed[0]));
    expect(await verify(1)).toMatchObject({ ok: false, brokenAt: nextInItsShare![0] });

    await rewrite(stored.slice(0, -1));
    expect(await verify(1)).toMatchObject({
      ok: false,
      brokenAt: stored
        .slice(0, -1)
        .filter(([, entryFields]) => shareOf(entryFields) === shareOf(stored.at(-1)![1]))
        .at(-1)![0],
    });
  });
});
