import Redis from 'ioredis';
import { Webhook } from 'standardwebhooks';
import { untilQueueDrained } from '../support/condition';
import { http } from '../support/http';
import { killAllNodes, startNode, TestNode, timeoutForNodeStarts } from '../support/nodes';
import { keysHolding } from '../support/redis-dump';
import { startRedis, TestRedis } from '../support/redis-server';
import { makeToken } from '../support/tokens';
import { isSignatureValid, ReceivedEvent, ReceivedRequest, WebhookReceiver } from '../support/webhook-receiver';

const SECRET = 'webhook-secret-of-the-hardening-tests-0123';
const STREAM = '{webhooks}:events';
/** Standard Webhooks receivers accept a timestamp up to five minutes off their clock. */
const TOLERANCE_MS = 5 * 60 * 1000;

const TWO_NODE_TIMEOUT_MS = timeoutForNodeStarts(2) + 20_000;

const admin = () => makeToken({ sub: 'root', roles: ['admin'] });
const revokeTokens = (node: TestNode, userId: string) => http(node.url, 'POST', `/admin/users/${userId}/revoke-tokens`, { token: admin() });
const targetOf = (event: ReceivedEvent): string | undefined => event.data?.target?.userId;
const requestsFor = (receiver: WebhookReceiver, userId: string) =>
  receiver.requests.filter((request) => request.events.some((event) => targetOf(event) === userId));

/**
 * What a receiver built on the `standardwebhooks` library does: verify the signature over id, timestamp and body,
 * refuse a timestamp outside the tolerance, and process each `webhook-id` once (a repeat is answered 200 and dropped).
 */
class StandardWebhooksReceiver {
  private readonly verifier = new Webhook(Buffer.from(SECRET, 'utf8').toString('base64'));
  private readonly seen = new Set<string>();
  readonly processed: string[] = [];
  readonly refused: string[] = [];
  readonly dropped: string[] = [];
  /** How far this receiver's clock is ahead of the node's. */
  clockAheadMs = 0;

  reply = (request: ReceivedRequest): number => {
    const realNow = Date.now;
    Date.now = () => realNow() + this.clockAheadMs;
    try {
      this.verifier.verify(request.rawBody, request.headers as Record<string, string>);
    } catch (error) {
      this.refused.push((error as Error).message);
      return 401;
    } finally {
      Date.now = realNow;
    }
    const id = request.headers['webhook-id'] as string;
    if (this.seen.has(id)) {
      this.dropped.push(id);
      return 200;
    }
    this.seen.add(id);
    this.processed.push(id);
    return 200;
  };
}

/** Sends a captured request again, as an attacker who recorded it would, with some headers or the body changed. */
async function resend(url: string, request: ReceivedRequest, change: { headers?: Record<string, string>; body?: string } = {}): Promise<number> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'webhook-id': request.headers['webhook-id'] as string,
    'webhook-timestamp': request.headers['webhook-timestamp'] as string,
    'webhook-signature': request.headers['webhook-signature'] as string,
    ...change.headers,
  };
  const response = await fetch(url, { method: 'POST', headers, body: change.body ?? request.rawBody });
  await response.arrayBuffer();
  return response.status;
}

describe('webhooks, round two: Standard Webhooks signatures, configured URLs only, no payload left behind', () => {
  let redis: TestRedis;
  let redisClient: Redis;
  const receiver = new WebhookReceiver();
  const removed = new WebhookReceiver();
  let receiverUrl: string;
  let removedUrl: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    redis = await startRedis();
    redisClient = new Redis(redis.url);
    receiverUrl = await receiver.start();
    removedUrl = await removed.start();
    env = {
      REDIS_URL: redis.url,
      WEBHOOK_URLS: receiverUrl,
      WEBHOOK_SECRET: SECRET,
      WEBHOOK_MAX_ATTEMPTS: '3',
      WEBHOOK_RETRY_BASE_MS: '1000',
      WEBHOOK_TIMEOUT_MS: '1500',
      QUEUE_LOCK_MS: '2000',
    };
  });

  afterEach(async () => {
    await killAllNodes();
    receiver.reply = () => 200;
    removed.reply = () => 200;
  });

  afterAll(async () => {
    redisClient?.disconnect();
    await receiver.stop();
    await removed.stop();
    await redis?.stop();
  });

  it(
    'signs with webhook-id, webhook-timestamp and webhook-signature, which a standardwebhooks receiver verifies, and a replay is refused',
    async () => {
      const standard = new StandardWebhooksReceiver();
      receiver.reply = standard.reply;
      const node = await startNode(env);
      expect((await revokeTokens(node, 'standard-1')).status).toBe(204);

      const [request] = await receiver.until(() => requestsFor(receiver, 'standard-1').length > 0 && requestsFor(receiver, 'standard-1'));
      expect(standard.refused).toEqual([]);
      expect(request.answered).toBe(200);
      expect(request.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
      expect(Math.abs(Number(request.headers['webhook-timestamp']) * 1000 - Date.now())).toBeLessThan(60_000);
      // the signature of the raw body stays for receivers that check it
      expect(isSignatureValid(request.rawBody, request.signature, SECRET)).toBe(true);

      // the same request again: verified, but its webhook-id was processed already, so it is dropped
      expect(await resend(receiverUrl, request)).toBe(200);
      expect(standard.dropped).toEqual([request.headers['webhook-id']]);
      // a fresh timestamp to get past the receiver's window: the signature covers the timestamp
      expect(await resend(receiverUrl, request, { headers: { 'webhook-timestamp': String(Math.floor(Date.now() / 1000) + 1) } })).toBe(401);
      // another id, to get past its memory of ids: the signature covers the id
      expect(await resend(receiverUrl, request, { headers: { 'webhook-id': `${request.headers['webhook-id']}-again` } })).toBe(401);
      // an altered body
      expect(await resend(receiverUrl, request, { body: request.rawBody.replace('standard-1', 'standard-2') })).toBe(401);
      // the request as it was, replayed once the receiver has forgotten its id: the timestamp is too old
      standard.clockAheadMs = TOLERANCE_MS + 60_000;
      expect(await resend(receiverUrl, request)).toBe(401);
      expect(standard.refused).toEqual([
        'No matching signature found',
        'No matching signature found',
        'No matching signature found',
        'Message timestamp too old',
      ]);
      expect(standard.processed).toEqual([request.headers['webhook-id']]);
    },
    TWO_NODE_TIMEOUT_MS,
  );

  it(
    'sends retries and replays only to URLs still in WEBHOOK_URLS, and lists dead letters without query strings',
    async () => {
      const secretQuery = 'token=query-secret-0123456789';
      const removedWithQuery = `${removedUrl}?${secretQuery}`;
      removed.reply = () => 500;
      const before = await startNode({ ...env, NODE_ID: 'before', WEBHOOK_URLS: `${receiverUrl},${removedWithQuery}` });
      expect((await revokeTokens(before, 'removed-1')).status).toBe(204);
      await removed.until(() => requestsFor(removed, 'removed-1').length === 1);
      await receiver.until(() => requestsFor(receiver, 'removed-1').length === 1);
      // the failed attempt is recorded (the retry waits its backoff) before the node goes
      for (const deadline = Date.now() + 10_000; (await redisClient.zcard('{bull}:webhooks:delayed')) === 0;) {
        if (Date.now() > deadline) throw new Error('the failed delivery never waited for a retry');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await before.stop('SIGKILL');

      // the URL was removed from the configuration: its retry is not sent, the delivery is a dead letter at once
      const after = await startNode({ ...env, NODE_ID: 'after', WEBHOOK_URLS: receiverUrl });
      let deadLetter: any;
      let page: any;
      for (const deadline = Date.now() + 15_000; !deadLetter;) {
        if (Date.now() > deadline) throw new Error(`no dead letter listed; last page: ${JSON.stringify(page)}`);
        page = (await http(after.url, 'GET', '/admin/webhooks/failed', { token: admin() })).body;
        deadLetter = page.deliveries.find((delivery: any) => delivery.events.some((event: ReceivedEvent) => targetOf(event) === 'removed-1'));
        if (!deadLetter) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(requestsFor(removed, 'removed-1')).toHaveLength(1);
      expect(deadLetter).toMatchObject({ url: removedUrl, lastError: expect.stringContaining('WEBHOOK_URLS') });
      expect(JSON.stringify(page)).not.toContain('query-secret');

      const replay = await http(after.url, 'POST', `/admin/webhooks/failed/${deadLetter.id}/replay`, { token: admin() });
      expect(replay.status).toBe(409);
      expect(replay.body.message).toContain('WEBHOOK_URLS');
      await untilQueueDrained(redisClient, 'webhooks');
      expect(requestsFor(removed, 'removed-1')).toHaveLength(1);
    },
    TWO_NODE_TIMEOUT_MS,
  );

  it(
    'keeps no payload of a delivered batch in Redis, only a marker that stops the batch from being sent twice',
    async () => {
      const node = await startNode(env);
      expect((await revokeTokens(node, 'payload-trace-4f2a')).status).toBe(204);
      await receiver.until(() => requestsFor(receiver, 'payload-trace-4f2a').some((request) => request.answered === 200));
      await untilQueueDrained(redisClient, 'webhooks', () => redisClient.xlen(STREAM));

      expect(await keysHolding(redisClient, '{bull}:webhooks:*', 'payload-trace-4f2a')).toEqual([]);
      const keys = await redisClient.keys('{bull}:webhooks:*');
      const markers = keys.filter((key) => key.startsWith('{bull}:webhooks:de:'));
      expect(markers.length).toBeGreaterThan(0);
      for (const marker of markers) {
        const ttl = await redisClient.pttl(marker);
        expect(ttl).toBeGreaterThan(0);
        expect(ttl).toBeLessThanOrEqual(24 * 3600 * 1000);
      }
    },
    TWO_NODE_TIMEOUT_MS,
  );
});

describe('webhooks, round two: the event stream backlog is capped, measured and warned about', () => {
  let redis: TestRedis;
  let redisClient: Redis;
  const receiver = new WebhookReceiver();

  beforeAll(async () => {
    redis = await startRedis();
    redisClient = new Redis(redis.url);
  });

  afterAll(async () => {
    await killAllNodes();
    redisClient?.disconnect();
    await receiver.stop();
    await redis?.stop();
  });

  it(
    'warns near WEBHOOK_BACKLOG_MAX, reports the backlog on /metrics, and trims it to the cap',
    async () => {
      // 1,500 events a dispatcher read and never queued (its node died), not to be claimed within the test
      await redisClient.xgroup('CREATE', STREAM, 'dispatchers', '0', 'MKSTREAM');
      const pipeline = redisClient.pipeline();
      for (let i = 0; i < 1500; i += 1) {
        pipeline.xadd(STREAM, '*', 'event', JSON.stringify({ id: `stuck-${i}`, type: 'room.occupied', at: Date.now(), data: { room: 'r' } }));
      }
      await pipeline.exec();
      await redisClient.xreadgroup('GROUP', 'dispatchers', 'gone', 'COUNT', 2000, 'STREAMS', STREAM, '>');

      const node = await startNode({
        REDIS_URL: redis.url,
        WEBHOOK_URLS: await receiver.start(),
        WEBHOOK_SECRET: SECRET,
        WEBHOOK_BACKLOG_MAX: '1000',
        WEBHOOK_CLAIM_IDLE_MS: '3600000',
      });
      await node.untilLogged(/webhook event backlog/, 10_000);
      const warning = node.logEntries().find((entry) => /webhook event backlog/.test(entry.msg))!;
      expect(warning.level).toBe('warn');
      expect(warning.msg).toContain('1500');
      expect(warning.msg).toContain('WEBHOOK_BACKLOG_MAX');
      expect(await scrape(node, 'chat_webhook_backlog')).toBe(1500);
      expect(await scrape(node, 'chat_webhook_backlog_limit')).toBe(1000);

      expect((await revokeTokens(node, 'capped-1')).status).toBe(204);
      await receiver.until(() => requestsFor(receiver, 'capped-1').length > 0);
      const length = await redisClient.xlen(STREAM);
      // approximate trimming (XADD MAXLEN ~) removes whole nodes of at most 100 entries
      expect(length).toBeGreaterThanOrEqual(900);
      expect(length).toBeLessThanOrEqual(1100);
      expect(await scrape(node, 'chat_webhook_backlog')).toBe(length);
    },
    TWO_NODE_TIMEOUT_MS,
  );
});

async function scrape(node: TestNode, series: string): Promise<number | undefined> {
  const text = await (await fetch(`${node.url}/metrics`)).text();
  const match = new RegExp(`^${series} (\\S+)$`, 'm').exec(text);
  return match ? Number(match[1]) : undefined;
}
