import { Global, Module } from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';
import Redis from 'ioredis';
import { generateVAPIDKeys } from 'web-push';
import { loadConfig } from '../../src/config/app-config';
import { ConfigModule } from '../../src/config/config.module';
import { PushDeliveryWorker } from '../../src/push/push-delivery.worker';
import { PushModule } from '../../src/push/push.module';
import { PushService } from '../../src/push/push.service';
import { PushRepository } from '../../src/push/push.repository';
import { QueueModule } from '../../src/queue/queue.module';
import { RedisModule } from '../../src/redis/redis.module';
import { WebhookPublisher } from '../../src/webhooks/webhook.publisher';
import { closeAllClients, connect, nextEvent, requestOk } from '../support/clients';
import { untilQueueDrained } from '../support/condition';
import { killAllNodes, startNode, timeoutForNodeStarts } from '../support/nodes';
import { TestPushService } from '../support/push-service';
import { keysHolding } from '../support/redis-dump';
import { startRedis, TestRedis } from '../support/redis-server';
import { makeToken } from '../support/tokens';
import { WebhookReceiver } from '../support/webhook-receiver';

const SUBJECT = 'mailto:ops@example.com';

/** Webhooks have their own test; here `notification.offline` goes nowhere. */
@Global()
@Module({ providers: [{ provide: WebhookPublisher, useValue: { publish: () => undefined, isEnabled: () => false } }], exports: [WebhookPublisher] })
class NoWebhooksModule {}

/** Tests start their own nodes (up to three) and some wait out a lock: more than jest's default on a shared machine. */
const MULTI_NODE_TIMEOUT_MS = timeoutForNodeStarts(3);
/** A survivor takes over once the lock of the dead node lapses, plus its own start-up. */
const RECOVERY_TIMEOUT_MS = 40_000;

/**
 * Web Push end to end. The first tests drive `PushService` directly: producers are Nest application contexts
 * of PushModule in the test process, on the real Redis, with their worker left out. The last ones go through
 * the product's send path (`dm:send`, mentions) on real nodes. Either way the pushes are sent by real nodes
 * (`node dist/main.js`) to a real HTTPS push service.
 */
describe('Web Push: encrypted, VAPID-signed, once per message and subscription, across nodes', () => {
  const vapid = generateVAPIDKeys();
  const pushService = new TestPushService({ publicKey: vapid.publicKey, subject: SUBJECT });
  let redis: TestRedis;
  let redisClient: Redis;
  let env: Record<string, string>;
  const producers: TestingModule[] = [];

  async function producer(): Promise<TestingModule> {
    const config = loadConfig({ NODE_ENV: 'test', JWT_SECRET: 'x'.repeat(32), NODE_ID: `producer-${producers.length}`, ...env });
    const moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(config), RedisModule, QueueModule, NoWebhooksModule, PushModule],
    })
      .overrideProvider(PushDeliveryWorker)
      .useValue({})
      .compile();
    await moduleRef.init();
    producers.push(moduleRef);
    return moduleRef;
  }

  const untilPushesDrained = () => untilQueueDrained(redisClient, 'push');

  beforeAll(async () => {
    redis = await startRedis();
    redisClient = new Redis(redis.url);
    await pushService.start();
    env = {
      REDIS_URL: redis.url,
      VAPID_PUBLIC_KEY: vapid.publicKey,
      VAPID_PRIVATE_KEY: vapid.privateKey,
      VAPID_SUBJECT: SUBJECT,
      PUSH_ALLOWED_HOSTS: pushService.host,
      PUSH_RETRY_BASE_MS: '100',
      PUSH_MAX_ATTEMPTS: '3',
      PUSH_TIMEOUT_MS: '1500',
      QUEUE_LOCK_MS: '2000',
    };
  });

  afterEach(async () => {
    closeAllClients();
    await killAllNodes();
    pushService.reply = () => 201;
  });

  afterAll(async () => {
    await Promise.all(producers.map((moduleRef) => moduleRef.close()));
    redisClient?.disconnect();
    await pushService.stop();
    await redis?.stop();
  });

  const worker = (name: string) => startNode({ ...env, NODE_ID: name, NODE_EXTRA_CA_CERTS: pushService.certFile });
  const message = (messageId: string, preview = 'hello') => ({ type: 'message' as const, room: 'dm:bob:olivia', messageId, from: 'bob', preview });

  it(
    'sends each subscription of the user a push its browser decrypts, with a VAPID JWT that verifies',
    async () => {
      await worker('worker-1');
      const push = (await producer()).get(PushService);
      const laptop = pushService.subscriber('olivia-laptop');
      const phone = pushService.subscriber('olivia-phone');
      await push.subscribe('olivia', laptop.subscription);
      await push.subscribe('olivia', phone.subscription);

      const long = 'x'.repeat(99) + '€ and more';
      await push.notifyOffline('olivia', message('100-0', long));
      await pushService.until(() => pushService.pushesTo('olivia-laptop').length === 1 && pushService.pushesTo('olivia-phone').length === 1);
      for (const received of [...pushService.pushesTo('olivia-laptop'), ...pushService.pushesTo('olivia-phone')]) {
        expect(received.problem).toBeUndefined();
        expect(received.payload).toEqual({ type: 'message', room: 'dm:bob:olivia', messageId: '100-0', from: 'bob', preview: 'x'.repeat(99) + '€' });
        expect(Number(received.ttl)).toBeGreaterThan(0);
      }
    },
    MULTI_NODE_TIMEOUT_MS,
  );

  it('refuses an endpoint outside PUSH_ALLOWED_HOSTS with validation_failed and stores nothing', async () => {
    const moduleRef = await producer();
    const foreign = { ...pushService.subscriber('x').subscription, endpoint: 'https://evil.example.com/push/x' };
    await expect(moduleRef.get(PushService).subscribe('mallory', foreign)).rejects.toMatchObject({ code: 'validation_failed' });
    expect(await moduleRef.get(PushRepository).list('mallory')).toEqual([]);
  });

  it(
    'drops a subscription whose push service answers 410, and keeps the others',
    async () => {
      await worker('worker-1');
      const moduleRef = await producer();
      const push = moduleRef.get(PushService);
      const gone = pushService.subscriber('gone');
      const alive = pushService.subscriber('alive');
      await push.subscribe('gary', gone.subscription);
      await push.subscribe('gary', alive.subscription);
      pushService.reply = (path) => (path === '/push/gone' ? 410 : 201);

      await push.notifyOffline('gary', message('200-0'));
      await pushService.until(() => pushService.pushesTo('gone').length === 1 && pushService.pushesTo('alive').length === 1);
      await untilPushesDrained();
      expect((await moduleRef.get(PushRepository).list('gary')).map((sub) => sub.endpoint)).toEqual([alive.subscription.endpoint]);
      expect(pushService.pushesTo('gone')).toHaveLength(1);
    },
    MULTI_NODE_TIMEOUT_MS,
  );

  it(
    'pushes a message queued by two nodes once per subscription',
    async () => {
      await worker('worker-1');
      await worker('worker-2');
      const [first, second] = [(await producer()).get(PushService), (await producer()).get(PushService)];
      const tablet = pushService.subscriber('tina-tablet');
      await first.subscribe('tina', tablet.subscription);

      await Promise.all([first.notifyOffline('tina', message('300-0')), second.notifyOffline('tina', message('300-0'))]);
      await second.notifyOffline('tina', message('300-0'));
      await first.notifyOffline('tina', message('301-0'));
      await pushService.until(() => pushService.pushesTo('tina-tablet').length >= 2);
      await untilPushesDrained();
      expect(
        pushService
          .pushesTo('tina-tablet')
          .map((received) => received.payload?.messageId)
          .sort(),
      ).toEqual(['300-0', '301-0']);
    },
    MULTI_NODE_TIMEOUT_MS,
  );

  it(
    'delivers from another node a push whose node was SIGKILLed while sending it',
    async () => {
      const doomed = await worker('doomed');
      const push = (await producer()).get(PushService);
      const watch = pushService.subscriber('wanda-watch');
      await push.subscribe('wanda', watch.subscription);
      pushService.reply = () => 'hold';

      await push.notifyOffline('wanda', message('400-0'));
      await pushService.until(() => pushService.pushesTo('wanda-watch').length === 1);
      await doomed.stop('SIGKILL');
      pushService.reply = () => 201;

      await worker('survivor');
      const [, delivered] = await pushService.until(
        () => pushService.pushesTo('wanda-watch').length === 2 && pushService.pushesTo('wanda-watch'),
        RECOVERY_TIMEOUT_MS,
      );
      expect(delivered).toMatchObject({ answered: 201, payload: { messageId: '400-0' } });
      expect(delivered.problem).toBeUndefined();
    },
    MULTI_NODE_TIMEOUT_MS,
  );

  it(
    'checks PUSH_ALLOWED_HOSTS again before sending: a subscription whose host left it is dropped and sent nothing',
    async () => {
      await startNode({ ...env, NODE_ID: 'narrowed', PUSH_ALLOWED_HOSTS: 'fcm.googleapis.com', NODE_EXTRA_CA_CERTS: pushService.certFile });
      const moduleRef = await producer();
      const push = moduleRef.get(PushService);
      await push.subscribe('leo', pushService.subscriber('leo-laptop').subscription);

      await push.notifyOffline('leo', message('600-0'));
      await untilPushesDrained();
      expect(await moduleRef.get(PushRepository).list('leo')).toEqual([]);
      expect(pushService.pushesTo('leo-laptop')).toEqual([]);
    },
    MULTI_NODE_TIMEOUT_MS,
  );

  it(
    'keeps no payload of a sent push in Redis, and still pushes a message queued again later only once',
    async () => {
      await worker('worker-1');
      const push = (await producer()).get(PushService);
      await push.subscribe('mara', pushService.subscriber('mara-phone').subscription);

      await push.notifyOffline('mara', message('700-0', 'preview-trace-9c1e'));
      await pushService.until(() => pushService.pushesTo('mara-phone').length === 1);
      await untilPushesDrained();
      expect(await keysHolding(redisClient, '{bull}:push:*', 'preview-trace-9c1e')).toEqual([]);
      expect(await keysHolding(redisClient, '{bull}:push:*', 'mara-phone')).toEqual([]);

      await push.notifyOffline('mara', message('700-0', 'preview-trace-9c1e'));
      await push.notifyOffline('mara', message('701-0'));
      await pushService.until(() => pushService.pushesTo('mara-phone').length >= 2);
      await untilPushesDrained();
      expect(pushService.pushesTo('mara-phone').map((received) => received.payload?.messageId)).toEqual(['700-0', '701-0']);
    },
    MULTI_NODE_TIMEOUT_MS,
  );

  describe('from the send path', () => {
    const webhooks = new WebhookReceiver();
    let webhookUrl: string;

    beforeAll(async () => {
      webhookUrl = await webhooks.start();
    });

    afterAll(() => webhooks.stop());

    const node = (name: string) => worker(name).then((started) => started.url);
    const client = (url: string, sub: string, claims: { rooms?: string[] } = {}) => connect(url, { token: makeToken({ sub, ...claims }) });
    const pushedIds = (subscriber: string) => pushService.pushesTo(subscriber).map((received) => received.payload?.messageId);

    /** A user's connection leases: the closing node releases them without the client waiting for it. */
    async function untilOffline(userId: string): Promise<void> {
      for (const deadline = Date.now() + 5000; (await redisClient.zcard(`connections:{${userId}}`)) > 0;) {
        if (Date.now() > deadline) throw new Error(`${userId} still holds a connection lease`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }

    /** Connects once (the server keeps the token's grants), subscribes a device, and goes offline. */
    async function subscribedThenOffline(url: string, userId: string, device: string, claims: { rooms?: string[] } = {}) {
      const socket = await client(url, userId, claims);
      await requestOk(socket, 'push:subscribe', { subscription: { ...pushService.subscriber(device).subscription, expirationTime: null } });
      socket.close();
      await untilOffline(userId);
    }

    it(
      'pushes a DM to a user with no live connection, encrypted and VAPID-signed',
      async () => {
        const [nodeA, nodeB] = await Promise.all([node('send-1'), node('send-2')]);
        await subscribedThenOffline(nodeA, 'paula', 'paula-laptop');
        const sender = await client(nodeB, 'quinn');
        const dm = await requestOk<{ id: string; room: string }>(sender, 'dm:send', { to: 'paula', content: 'lunch at noon?' });

        const [received] = await pushService.until(() => pushService.pushesTo('paula-laptop').length === 1 && pushService.pushesTo('paula-laptop'));
        expect(received.problem).toBeUndefined();
        expect(received.payload).toEqual({ type: 'message', room: 'dm:paula:quinn', messageId: dm.id, from: 'quinn', preview: 'lunch at noon?' });
      },
      MULTI_NODE_TIMEOUT_MS,
    );

    it(
      'sends notification.offline to webhooks from the send path',
      async () => {
        const withWebhooks = await startNode({
          ...env,
          NODE_ID: 'hooks',
          NODE_EXTRA_CA_CERTS: pushService.certFile,
          WEBHOOK_URLS: webhookUrl,
          WEBHOOK_SECRET: 's'.repeat(32),
          WEBHOOK_EVENTS: 'notification.offline',
        });
        await subscribedThenOffline(withWebhooks.url, 'rita', 'rita-phone');
        const sender = await client(withWebhooks.url, 'sven');
        const dm = await requestOk<{ id: string }>(sender, 'dm:send', { to: 'rita', content: 'ping' });
        const [event] = await webhooks.until(() => {
          const offline = webhooks.accepted().filter((received) => received.type === 'notification.offline');
          return offline.length > 0 && offline;
        });
        expect(event.data).toEqual({ userId: 'rita', room: 'dm:rita:sven', messageId: dm.id, from: 'sven', preview: 'ping' });
      },
      MULTI_NODE_TIMEOUT_MS,
    );

    it(
      'pushes nothing while the user is online anywhere, and pushes once offline again',
      async () => {
        const [nodeA, nodeB] = await Promise.all([node('online-1'), node('online-2')]);
        await subscribedThenOffline(nodeA, 'uma', 'uma-laptop');
        const room = `standup-${Date.now()}`;
        const online = await client(nodeA, 'uma');
        const sender = await client(nodeB, 'victor');
        await requestOk(sender, 'room:join', { room });
        const mentioned = nextEvent(online, 'mention');
        await requestOk(sender, 'dm:send', { to: 'uma', content: 'while online' });
        await requestOk(sender, 'message:send', { room, content: '@uma while online' });
        // the send does not wait for offline delivery: the mention says its presence check (and the DM's, issued
        // before it on the same node) is done, so that closing now cannot make those messages look offline
        await mentioned;
        online.close();
        await untilOffline('uma');

        const offline = await requestOk<{ id: string }>(sender, 'dm:send', { to: 'uma', content: 'while offline' });
        await pushService.until(() => pushService.pushesTo('uma-laptop').length >= 1);
        await untilPushesDrained();
        expect(pushedIds('uma-laptop')).toEqual([offline.id]);
      },
      MULTI_NODE_TIMEOUT_MS,
    );

    it(
      'pushes each message once per subscription with two nodes sending, retrying and working the queue',
      async () => {
        const [nodeA, nodeB] = await Promise.all([node('once-1'), node('once-2')]);
        await subscribedThenOffline(nodeA, 'wendy', 'wendy-tablet');
        const room = `ops-${Date.now()}`;
        const [onA, onB] = [await client(nodeA, 'xavier'), await client(nodeB, 'xavier')];
        await requestOk(onA, 'room:join', { room });
        await requestOk(onB, 'room:join', { room });

        const dm = await requestOk<{ id: string }>(onA, 'dm:send', { to: 'wendy', content: 'first', clientMsgId: 'dm-1' });
        const retried = await requestOk<{ id: string }>(onB, 'dm:send', { to: 'wendy', content: 'first', clientMsgId: 'dm-1' });
        expect(retried.id).toBe(dm.id);
        const mention = await requestOk<{ id: string }>(onB, 'message:send', { room, content: 'ping @wendy and @wendy' });
        await pushService.until(() => pushService.pushesTo('wendy-tablet').length >= 2);
        await untilPushesDrained();
        expect(pushedIds('wendy-tablet').sort()).toEqual([dm.id, mention.id].sort());
      },
      MULTI_NODE_TIMEOUT_MS,
    );

    it(
      'pushes no mention to a user who may not read the room',
      async () => {
        const url = await node('rights');
        await subscribedThenOffline(url, 'yara', 'yara-phone', { rooms: ['private-*'] });
        const sender = await client(url, 'zeke');
        const open = `open-${Date.now()}`;
        const allowed = `private-${Date.now()}`;
        for (const room of [open, allowed]) await requestOk(sender, 'room:join', { room });
        await requestOk(sender, 'message:send', { room: open, content: 'hey @yara' });
        const readable = await requestOk<{ id: string }>(sender, 'message:send', { room: allowed, content: 'hey @yara' });
        await pushService.until(() => pushService.pushesTo('yara-phone').length >= 1);
        await untilPushesDrained();
        expect(pushedIds('yara-phone')).toEqual([readable.id]);
      },
      MULTI_NODE_TIMEOUT_MS,
    );
  });
});
