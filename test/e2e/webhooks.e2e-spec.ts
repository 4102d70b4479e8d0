import Redis from 'ioredis';
import { untilQueueDrained } from '../support/condition';
import { http } from '../support/http';
import { killAllNodes, startCluster, startNode, TestNode, timeoutForNodeStarts } from '../support/nodes';
import { startRedis, TestRedis } from '../support/redis-server';
import { makeToken } from '../support/tokens';
import { isSignatureValid, ReceivedEvent, WebhookReceiver } from '../support/webhook-receiver';

const SECRET = 'webhook-secret-for-the-end-to-end-tests';
const MAX_ATTEMPTS = 3;

/** Tests start their own nodes (up to three) and some wait out a lock: more than jest's default on a shared machine. */
const MULTI_NODE_TIMEOUT_MS = timeoutForNodeStarts(3);
/** A survivor takes over after the claim idle time or the lock lapses, plus its own start-up. */
const RECOVERY_TIMEOUT_MS = 40_000;

/**
 * Webhooks are driven here by `moderation.action` (each other type: webhook-events.e2e-spec.ts): every moderation
 * action an admin takes (here `POST /admin/users/:userId/revoke-tokens`) is recorded in the audit trail and goes
 * out as `moderation.action`.
 */
describe('webhooks: signed, at least once, exactly once in normal operation, across nodes', () => {
  let redis: TestRedis;
  let redisClient: Redis;
  const receiver = new WebhookReceiver();
  let env: Record<string, string>;

  beforeAll(async () => {
    redis = await startRedis();
    redisClient = new Redis(redis.url);
    env = {
      REDIS_URL: redis.url,
      WEBHOOK_URLS: await receiver.start(),
      WEBHOOK_SECRET: SECRET,
      WEBHOOK_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
      WEBHOOK_RETRY_BASE_MS: '100',
      WEBHOOK_TIMEOUT_MS: '1500',
      WEBHOOK_CLAIM_IDLE_MS: '1000',
      QUEUE_LOCK_MS: '2000',
    };
  });

  afterEach(async () => {
    await killAllNodes();
    receiver.reply = () => 200;
  });

  afterAll(async () => {
    redisClient?.disconnect();
    await receiver.stop();
    await redis?.stop();
  });

  const revokeTokens = (node: TestNode, userId: string) =>
    http(node.url, 'POST', `/admin/users/${userId}/revoke-tokens`, { token: makeToken({ sub: 'root', roles: ['admin'] }) });
  const targetOf = (event: ReceivedEvent): string | undefined => event.data?.target?.userId;
  const acceptedFor = (prefix: string) => receiver.accepted().filter((event) => targetOf(event)?.startsWith(prefix));

  /** Nothing left anywhere: the stream is empty, no job waits, runs or waits for a retry. */
  const untilDrained = () => untilQueueDrained(redisClient, 'webhooks', () => redisClient.xlen('{webhooks}:events'));

  it(
    'POSTs { events: [{ id, type, at, data }] } with a signature of the raw body that verifies',
    async () => {
      const [node] = await startCluster(1, env);
      const before = Date.now();
      expect((await revokeTokens(node, 'signed-1')).status).toBe(204);

      const [event] = await receiver.until(() => acceptedFor('signed-').length === 1 && acceptedFor('signed-'));
      const request = receiver.requests.find((candidate) => candidate.events.some((e) => e.id === event.id))!;
      expect(isSignatureValid(request.rawBody, request.signature, SECRET)).toBe(true);
      expect(isSignatureValid(request.rawBody, request.signature, 'another-secret')).toBe(false);
      expect(request.signature).toMatch(/^sha256=[0-9a-f]{64}$/);
      expect(event).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        type: 'moderation.action',
        at: expect.any(Number),
        data: expect.objectContaining({ actor: 'root', action: 'user.tokens.revoke', target: { userId: 'signed-1' } }),
      });
      expect(event.at).toBeGreaterThanOrEqual(before - 5);
    },
    MULTI_NODE_TIMEOUT_MS,
  );

  it(
    'delivers events published on three nodes exactly once each, in batches',
    async () => {
      const nodes = await startCluster(3, env);
      const perNode = 20;
      const published = nodes.flatMap((_, n) => Array.from({ length: perNode }, (__, i) => `three-${n}-${i}`));
      const answers = await Promise.all(published.map((userId, index) => revokeTokens(nodes[index % 3], userId)));
      expect(answers.every((answer) => answer.status === 204)).toBe(true);

      await receiver.until(() => new Set(acceptedFor('three-').map(targetOf)).size === published.length);
      await untilDrained();
      const delivered = acceptedFor('three-');
      expect(delivered.map(targetOf).sort()).toEqual([...published].sort());
      expect(new Set(delivered.map((event) => event.id)).size).toBe(published.length);
      const requests = receiver.requests.filter((request) => request.events.some((event) => targetOf(event)?.startsWith('three-')));
      expect(requests.length).toBeLessThanOrEqual(published.length);
    },
    MULTI_NODE_TIMEOUT_MS,
  );

  it(
    'retries a delivery answered 500 with backoff until it is accepted, with the same event id',
    async () => {
      const [node] = await startCluster(1, env);
      let failuresLeft = 2;
      receiver.reply = (request) => (request.events.some((e) => targetOf(e) === 'retried-1') && failuresLeft-- > 0 ? 500 : 200);

      await revokeTokens(node, 'retried-1');
      await receiver.until(() => acceptedFor('retried-').length === 1);
      const attempts = receiver.requests.filter((request) => request.events.some((e) => targetOf(e) === 'retried-1'));
      expect(attempts.map((attempt) => attempt.answered)).toEqual([500, 500, 200]);
      expect(new Set(attempts.map((attempt) => attempt.events.find((e) => targetOf(e) === 'retried-1')!.id)).size).toBe(1);
    },
    MULTI_NODE_TIMEOUT_MS,
  );

  it(
    'delivers the events of a node SIGKILLed before it could deliver them from another node',
    async () => {
      const doomed = await startNode({ ...env, NODE_ID: 'doomed' });
      receiver.reply = (request) => (request.events.some((e) => targetOf(e)?.startsWith('orphan-')) ? 'hold' : 200);
      const orphans = Array.from({ length: 5 }, (_, i) => `orphan-${i}`);
      for (const userId of orphans) expect((await revokeTokens(doomed, userId)).status).toBe(204);
      await doomed.stop('SIGKILL');
      expect(acceptedFor('orphan-')).toEqual([]);

      receiver.reply = () => 200;
      await startNode({ ...env, NODE_ID: 'survivor' });
      await receiver.until(() => new Set(acceptedFor('orphan-').map(targetOf)).size === orphans.length, RECOVERY_TIMEOUT_MS);
      expect([...new Set(acceptedFor('orphan-').map(targetOf))].sort()).toEqual(orphans);
    },
    MULTI_NODE_TIMEOUT_MS,
  );

  it(
    'keeps a delivery that used up its attempts as a dead letter an admin lists and replays',
    async () => {
      const [node] = await startCluster(1, env);
      const admin = makeToken({ sub: 'root', roles: ['admin'] });
      let receiverDown = true;
      receiver.reply = (request) => (receiverDown && request.events.some((e) => targetOf(e) === 'dead-1') ? 503 : 200);

      await revokeTokens(node, 'dead-1');
      const listed = await receiver.until(
        () => receiver.requests.filter((request) => request.events.some((e) => targetOf(e) === 'dead-1')).length === MAX_ATTEMPTS,
      );
      expect(listed).toBe(true);
      let deadLetter: any;
      const deadline = Date.now() + 10_000;
      while (!deadLetter && Date.now() < deadline) {
        const page = await http(node.url, 'GET', '/admin/webhooks/failed', { token: admin });
        expect(page.status).toBe(200);
        deadLetter = page.body.deliveries.find((delivery: any) => delivery.events.some((e: ReceivedEvent) => targetOf(e) === 'dead-1'));
        if (!deadLetter) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(deadLetter).toMatchObject({ url: env.WEBHOOK_URLS, attempts: MAX_ATTEMPTS, lastError: expect.stringContaining('503') });

      expect((await http(node.url, 'GET', '/admin/webhooks/failed')).status).toBe(401);
      expect((await http(node.url, 'POST', `/admin/webhooks/failed/${deadLetter.id}/replay`, { token: makeToken({ sub: 'eve' }) })).status).toBe(403);

      receiverDown = false;
      expect((await http(node.url, 'POST', `/admin/webhooks/failed/${deadLetter.id}/replay`, { token: admin })).status).toBe(202);
      const [replayed] = await receiver.until(() => acceptedFor('dead-').length === 1 && acceptedFor('dead-'));
      expect(replayed.id).toBe(deadLetter.events[0].id);

      const after = await http(node.url, 'GET', '/admin/webhooks/failed', { token: admin });
      expect(after.body.deliveries.some((delivery: any) => delivery.id === deadLetter.id)).toBe(false);
      expect((await http(node.url, 'POST', `/admin/webhooks/failed/${deadLetter.id}/replay`, { token: admin })).status).toBe(404);
      expect((await http(node.url, 'POST', '/admin/webhooks/failed/not-an-id/replay', { token: admin })).status).toBe(400);

      const audit = await http(node.url, 'GET', '/admin/audit?action=webhook.replay', { token: admin });
      expect(audit.body.entries[0]).toMatchObject({ actor: 'root', action: 'webhook.replay' });
    },
    MULTI_NODE_TIMEOUT_MS,
  );
});
