import { createECDH, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { connect, connectError, nextEvent, request, requestOk } from '../support/clients';
import { http } from '../support/http';
import { startCluster, TestNode, timeoutForNodeStarts } from '../support/nodes';
import { startRedis, TestRedis } from '../support/redis-server';
import { startRedisCluster, TestRedisCluster } from '../support/redis-cluster';
import { uniqueRoom } from '../support/scenario';
import { makeToken } from '../support/tokens';
import { WebhookReceiver } from '../support/webhook-receiver';

const ROOT = join(__dirname, '..', '..');
/** The product's ACL rules, in the one place the operations guide gives them from. */
const ACL_RULES = readFileSync(join(ROOT, 'deploy', 'redis', 'chat-user.acl'), 'utf8').trim();
const CHAT_PASSWORD = 'the-chat-users-password-for-this-test';
const OPERATOR_PASSWORD = 'the-operators-password-for-this-test';
const API_KEY = 'server-api-key-for-the-redis-acl-test-0123456789';
const WEBHOOK_SECRET = 'webhook-secret-for-the-redis-acl-tests';
const ADMIN = makeToken({ sub: 'root', roles: ['admin'] });

/** A client of the test's own, as the product's ACL user: what that user may and may not do. */
const asChatUser = (redis: TestRedis) => new Redis(redis.url, { username: 'chat', password: CHAT_PASSWORD, maxRetriesPerRequest: 0 });

/**
 * A redis-server whose `default` user is off, and the product's user made exactly from `deploy/redis/chat-user.acl`
 * (`ACL SETUSER chat reset on >password <rules>`, as docs/OPERATIONS.md says). Two nodes connect as that user
 * (REDIS_USERNAME / REDIS_PASSWORD) and go through every feature that touches Redis: any command, key or channel the
 * rules forgot would be refused with NOPERM, which the nodes' logs and the server's ACL LOG would show.
 */
describe('a Redis ACL user limited to what the product uses', () => {
  let redis: TestRedis;
  let operator: Redis;
  let nodes: TestNode[] = [];
  let dataDir: string;
  const receiver = new WebhookReceiver();

  beforeAll(async () => {
    redis = await startRedis();
    const bootstrap = new Redis(redis.url);
    await bootstrap.call('ACL', 'SETUSER', 'operator', 'on', `>${OPERATOR_PASSWORD}`, '~*', '&*', '+@all');
    bootstrap.disconnect();
    operator = new Redis(redis.url, { username: 'operator', password: OPERATOR_PASSWORD });
    await operator.call('ACL', 'SETUSER', 'chat', 'reset', 'on', `>${CHAT_PASSWORD}`, ...ACL_RULES.split(/\s+/));
    await operator.call('ACL', 'SETUSER', 'default', 'off');
    await operator.call('ACL', 'LOG', 'RESET');
    dataDir = mkdtempSync(join(tmpdir(), 'chat-acl-'));
    nodes = await startCluster(2, {
      REDIS_URL: redis.url,
      REDIS_USERNAME: 'chat',
      REDIS_PASSWORD: CHAT_PASSWORD,
      SERVER_API_KEYS: API_KEY,
      WEBHOOK_URLS: await receiver.start(),
      WEBHOOK_SECRET,
      DATA_DIR: dataDir,
      RETENTION_SWEEP_MS: '200',
    });
  }, timeoutForNodeStarts(2));

  afterAll(async () => {
    await Promise.all(nodes.map((node) => node.stop('SIGKILL')));
    operator?.disconnect();
    await receiver.stop();
    await redis?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('docs/OPERATIONS.md gives exactly the rules of deploy/redis/chat-user.acl', () => {
    expect(readFileSync(join(ROOT, 'docs', 'OPERATIONS.md'), 'utf8')).toContain(ACL_RULES);
  });

  it('the `default` user is off: a node without the ACL user gets nowhere', async () => {
    const anonymous = new Redis(redis.url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
    anonymous.on('error', () => undefined);
    await expect(anonymous.ping()).rejects.toThrow(/NOAUTH|WRONGPASS|disabled|Connection is closed/);
    anonymous.disconnect();
  });

  it('two nodes connected as that user serve every feature with every ack ok, and Redis refuses nothing', async () => {
    const [nodeA, nodeB] = nodes;
    const room = uniqueRoom('acl');
    const alice = await connect(nodeA.url, { token: makeToken({ sub: 'alice', name: 'Alice' }) });
    const bob = await connect(nodeB.url, { token: makeToken({ sub: 'bob' }) });

    // join, presence, typing
    await requestOk(alice, 'room:join', { room });
    const bobJoinSeen = nextEvent(alice, 'presence', (event: { userId: string }) => event.userId === 'bob');
    await requestOk(bob, 'room:join', { room });
    await bobJoinSeen;
    expect((await requestOk(bob, 'presence:list', { room })).users.map((entry: { userId: string }) => entry.userId).sort()).toEqual(['alice', 'bob']);
    const typingSeen = nextEvent(bob, 'typing', (event: { userId: string }) => event.userId === 'alice');
    await requestOk(alice, 'typing', { room, isTyping: true });
    await typingSeen;

    // send across nodes (deduplicated by clientMsgId), edit, reactions, receipts, threads, history
    const bobHears = nextEvent<{ id: string }>(bob, 'message', (message) => message.id !== undefined);
    const first = await requestOk(alice, 'message:send', { room, content: 'a searchable greeting', clientMsgId: 'acl-1' });
    expect((await bobHears).id).toBe(first.id);
    expect((await requestOk(alice, 'message:send', { room, content: 'a searchable greeting', clientMsgId: 'acl-1' })).id).toBe(first.id);
    await requestOk(alice, 'message:edit', { room, messageId: first.id, content: 'a searchable greeting, edited' });
    const reactionSeen = nextEvent(alice, 'reaction', (event: { messageId: string }) => event.messageId === first.id);
    await requestOk(bob, 'reaction:add', { room, messageId: first.id, emoji: '👍' });
    await reactionSeen;
    await requestOk(bob, 'reaction:remove', { room, messageId: first.id, emoji: '👍' });
    await requestOk(bob, 'receipt:read', { room, messageId: first.id });
    const reply = await requestOk(bob, 'message:send', { room, content: 'a reply', replyTo: first.id });
    expect((await requestOk(alice, 'message:replies', { room, messageId: first.id })).messages.map((m: { id: string }) => m.id)).toEqual([reply.id]);
    const history = await requestOk(bob, 'message:history', { room });
    expect(history.messages.map((m: { id: string }) => m.id)).toEqual([first.id, reply.id]);
    const doomed = await requestOk(alice, 'message:send', { room, content: 'to be deleted' });
    await requestOk(alice, 'message:delete', { room, messageId: doomed.id });

    // search (the index write went out on alice's node before this search, on the same connection)
    const found = await requestOk(alice, 'message:search', { query: 'searchable', room });
    expect(found.messages.map((m: { id: string }) => m.id)).toEqual([first.id]);
    expect((await requestOk(alice, 'message:search', { query: 'searchable greeting' })).messages.map((m: { id: string }) => m.id)).toEqual([first.id]);

    // direct messages, the inbox, mentions, calls, token refresh
    const dmHeard = nextEvent<{ content: string }>(bob, 'message', (message) => message.content === 'just for bob');
    await requestOk(alice, 'dm:send', { to: 'bob', content: 'just for bob' });
    await dmHeard;
    expect((await requestOk(bob, 'inbox:list', {})).rooms.length).toBeGreaterThanOrEqual(2);
    await requestOk(alice, 'message:send', { room, content: 'hello @bob' });
    const ringing = nextEvent(bob, 'call:signal', (signal: { callId: string }) => signal.callId === 'call-1');
    await requestOk(alice, 'call:signal', { to: 'bob', callId: 'call-1', type: 'invite', data: { sdp: 'offer' } });
    await ringing;
    await requestOk(alice, 'auth:refresh', { token: makeToken({ sub: 'alice', name: 'Alice' }) });

    // attachments (local storage): declared, uploaded, claimed by a send, downloaded
    const ticket = await requestOk(alice, 'attachment:create', { room, filename: 'note.txt', contentType: 'text/plain', size: 5 });
    expect((await fetch(nodeA.url + ticket.uploadUrl, { method: 'PUT', headers: { 'Content-Type': 'text/plain' }, body: 'hello' })).status).toBeLessThan(300);
    const withFile = await requestOk(alice, 'message:send', { room, content: 'a file', attachments: [ticket.attachmentId] });
    expect((await fetch(nodeB.url + withFile.attachments[0].url)).status).toBe(200);

    // Web Push subscriptions (stored; no push service is configured)
    const subscription = {
      endpoint: `https://fcm.googleapis.com/fcm/send/${randomBytes(8).toString('hex')}`,
      keys: { p256dh: createECDH('prime256v1').generateKeys('base64url'), auth: randomBytes(16).toString('base64url') },
    };
    await requestOk(bob, 'push:subscribe', { subscription });
    await requestOk(bob, 'push:unsubscribe', { endpoint: subscription.endpoint });

    // the server API
    const serverSent = await http(nodeB.url, 'POST', `/server/rooms/${room}/messages`, {
      headers: { 'x-api-key': API_KEY },
      body: { content: 'from a service' },
    });
    expect(serverSent.status).toBe(201);
    expect((await http(nodeA.url, 'GET', '/server/users/bob/presence', { headers: { 'x-api-key': API_KEY } })).body).toMatchObject({ online: true });
    expect(
      (await http(nodeA.url, 'POST', '/server/users/bob/notify', { headers: { 'x-api-key': API_KEY }, body: { type: 'ping', data: {} } })).status,
    ).toBeLessThan(300);

    // the admin API: rooms, presence, messages, mute, kick, ban, revoke, audit, dead letters
    expect((await http(nodeA.url, 'GET', '/admin/rooms', { token: ADMIN })).status).toBe(200);
    expect((await http(nodeA.url, 'GET', `/admin/rooms/${room}/presence`, { token: ADMIN })).status).toBe(200);
    expect((await http(nodeA.url, 'GET', `/admin/rooms/${room}/messages`, { token: ADMIN })).status).toBe(200);
    expect((await http(nodeA.url, 'POST', `/admin/rooms/${room}/mute`, { token: ADMIN, body: { userId: 'bob', durationSec: 60 } })).status).toBeLessThan(300);
    expect(await request(bob, 'message:send', { room, content: 'muted?' })).toMatchObject({ ok: false, error: { code: 'muted' } });
    expect((await http(nodeA.url, 'DELETE', `/admin/rooms/${room}/mute/bob`, { token: ADMIN })).status).toBeLessThan(300);
    const mallory = await connect(nodeB.url, { token: makeToken({ sub: 'mallory' }) });
    await requestOk(mallory, 'room:join', { room });
    const kicked = nextEvent(mallory, 'moderation', (notice: { action: string }) => notice.action === 'kicked');
    expect((await http(nodeA.url, 'POST', `/admin/rooms/${room}/kick`, { token: ADMIN, body: { userId: 'mallory' } })).status).toBeLessThan(300);
    await kicked;
    const banned = nextEvent(mallory, 'moderation', (notice: { action: string }) => notice.action === 'banned');
    expect((await http(nodeA.url, 'POST', '/admin/users/mallory/ban', { token: ADMIN, body: { reason: 'testing the ACL' } })).status).toBeLessThan(300);
    await banned;
    expect((await connectError(nodeA.url, { token: makeToken({ sub: 'mallory' }) })).data).toMatchObject({ code: 'banned' });
    expect((await http(nodeB.url, 'DELETE', '/admin/users/mallory/ban', { token: ADMIN })).status).toBeLessThan(300);
    expect((await http(nodeB.url, 'POST', '/admin/users/carol/revoke-tokens', { token: ADMIN })).status).toBeLessThan(300);
    const audit = await http(nodeA.url, 'GET', '/admin/audit', { token: ADMIN });
    expect(audit.status).toBe(200);
    expect((await http(nodeA.url, 'GET', '/admin/webhooks/failed', { token: ADMIN })).status).toBe(200);
    // a scrape reads the queues' depth from Redis
    const metrics = await fetch(`${nodeA.url}/metrics`);
    expect(await metrics.text()).toMatch(/chat_queue_depth\{queue="webhooks"\}/);

    // compliance: legal holds, exports, retention and erasure carried out by the sweeper
    const hold = await http(nodeA.url, 'POST', '/admin/holds', { token: ADMIN, body: { room, reason: 'testing the ACL' } });
    expect(hold.status).toBe(201);
    expect((await http(nodeB.url, 'GET', '/admin/holds', { token: ADMIN })).body.holds).toHaveLength(1);
    expect((await http(nodeB.url, 'DELETE', `/admin/holds/${hold.body.id}`, { token: ADMIN })).status).toBeLessThan(300);
    expect((await fetch(`${nodeA.url}/admin/export?room=${room}`, { headers: { authorization: `Bearer ${ADMIN}` } })).status).toBe(200);
    expect((await fetch(`${nodeB.url}/admin/users/alice/data`, { headers: { authorization: `Bearer ${ADMIN}` } })).status).toBe(200);
    const shortLived = uniqueRoom('acl-retention');
    await requestOk(bob, 'room:join', { room: shortLived });
    await requestOk(bob, 'message:send', { room: shortLived, content: 'soon gone' });
    expect((await http(nodeA.url, 'PUT', `/admin/rooms/${shortLived}/retention`, { token: ADMIN, body: { maxAgeSeconds: 1 } })).status).toBe(200);
    await untilTrue(
      'the retention sweep removed the message',
      async () => (await requestOk(bob, 'message:history', { room: shortLived })).messages.length === 0,
    );
    expect((await http(nodeA.url, 'DELETE', `/admin/rooms/${shortLived}/retention`, { token: ADMIN })).status).toBeLessThan(300);
    const dave = await connect(nodeA.url, { token: makeToken({ sub: 'dave' }) });
    await requestOk(dave, 'room:join', { room });
    await requestOk(dave, 'message:send', { room, content: 'dave was here' });
    dave.close();
    expect((await http(nodeB.url, 'DELETE', '/admin/users/dave/data', { token: ADMIN })).status).toBe(202);
    await untilTrue('the erasure finished', async () => (await operator.exists('compliance:erasures')) === 0);

    // webhooks: the event stream, its consumer group and BullMQ's jobs
    await receiver.until(() => receiver.accepted().some((event) => event.type === 'message.created' && event.data?.id === first.id));
    await receiver.until(() => receiver.accepted().some((event) => event.type === 'moderation.action' && event.data?.target?.userId === 'mallory'));

    // leaving and going away
    await requestOk(bob, 'room:leave', { room });
    alice.close();

    const refusals = (await operator.call('ACL', 'LOG')) as unknown[][];
    const refusedChat = refusals.map((entry) => Object.fromEntries(chunk(entry as string[]))).filter((entry) => entry.username === 'chat');
    expect(refusedChat).toEqual([]);
    for (const node of nodes) expect(node.logs()).not.toMatch(/NOPERM/);
  }, 120_000);

  it('that user is refused what the product never does: FLUSHALL, CONFIG, KEYS, other keys and channels', async () => {
    const chat = asChatUser(redis);
    try {
      await expect(chat.ping()).resolves.toBe('PONG');
      await expect(chat.flushall()).rejects.toThrow(/NOPERM/);
      await expect(chat.call('CONFIG', 'GET', 'requirepass')).rejects.toThrow(/NOPERM/);
      await expect(chat.keys('*')).rejects.toThrow(/NOPERM/);
      await expect(chat.call('ACL', 'LIST')).rejects.toThrow(/NOPERM/);
      await expect(chat.get('someone-else:secret')).rejects.toThrow(/NOPERM/);
      await expect(chat.publish('someone-else', 'hello')).rejects.toThrow(/NOPERM/);
      await expect(chat.eval("return redis.call('GET', 'someone-else:secret')", 0)).rejects.toThrow(/can't access at least one of the keys/);
    } finally {
      chat.disconnect();
    }
  });
});

/**
 * On Redis Cluster the client asks each shard for the slot map (`CLUSTER SLOTS`) and the adapter uses sharded pub/sub
 * (`SSUBSCRIBE`, `SPUBLISH`, `PUBSUB SHARDNUMSUB`): the same rules, created on every master, must allow those too.
 */
describe('the same ACL user on Redis Cluster', () => {
  let cluster: TestRedisCluster;
  let operators: Redis[] = [];
  let nodes: TestNode[] = [];

  beforeAll(async () => {
    cluster = await startRedisCluster(3);
    operators = cluster.ports.map((port) => new Redis(port, '127.0.0.1'));
    for (const operator of operators) {
      await operator.call('ACL', 'SETUSER', 'chat', 'reset', 'on', `>${CHAT_PASSWORD}`, ...ACL_RULES.split(/\s+/));
      await operator.call('ACL', 'LOG', 'RESET');
    }
    nodes = await startCluster(2, { REDIS_CLUSTER_NODES: cluster.nodes, REDIS_USERNAME: 'chat', REDIS_PASSWORD: CHAT_PASSWORD, SEARCH_RATE_LIMIT: '0' });
  }, timeoutForNodeStarts(2));

  afterAll(async () => {
    await Promise.all(nodes.map((node) => node.stop('SIGKILL')));
    for (const operator of operators) operator.disconnect();
    await cluster?.stop();
  });

  it('two nodes connected as that user deliver across nodes in rooms on every shard, and no shard refuses anything', async () => {
    const alice = await connect(nodes[0].url, { token: makeToken({ sub: 'alice' }) });
    const bob = await connect(nodes[1].url, { token: makeToken({ sub: 'bob' }) });
    for (let index = 0; index < 6; index++) {
      const room = uniqueRoom('acl-cluster');
      await requestOk(alice, 'room:join', { room });
      await requestOk(bob, 'room:join', { room });
      const arrived = nextEvent<{ id: string }>(bob, 'message', (message) => message.id !== undefined);
      const stored = await requestOk(alice, 'message:send', { room, content: `searchable ${index}` });
      expect((await arrived).id).toBe(stored.id);
      await requestOk(bob, 'reaction:add', { room, messageId: stored.id, emoji: '👍' });
      expect((await requestOk(alice, 'message:search', { query: 'searchable', room })).messages).toHaveLength(1);
    }
    const dmHeard = nextEvent<{ content: string }>(bob, 'message', (message) => message.content === 'just for bob');
    await requestOk(alice, 'dm:send', { to: 'bob', content: 'just for bob' });
    await dmHeard;
    for (const operator of operators) {
      const refusals = (await operator.call('ACL', 'LOG')) as unknown[][];
      expect(refusals.map((entry) => Object.fromEntries(chunk(entry as string[]))).filter((entry) => entry.username === 'chat')).toEqual([]);
    }
    for (const node of nodes) expect(node.logs()).not.toMatch(/NOPERM/);
  });
});

/** Polls what no event announces (the sweeper's work), until it holds or the deadline passes. */
async function untilTrue(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** ACL LOG entries are flat [name, value, name, value, ...] lists. */
function chunk(flat: string[]): [string, unknown][] {
  const pairs: [string, unknown][] = [];
  for (let index = 0; index < flat.length; index += 2) pairs.push([flat[index], flat[index + 1]]);
  return pairs;
}
