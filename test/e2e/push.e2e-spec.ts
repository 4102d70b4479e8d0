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
import { untilQueueDrained } from '../support/condition';
import { killAllNodes, startNode } from '../support/nodes';
import { TestPushService } from '../support/push-service';
import { startRedis, TestRedis } from '../support/redis-server';

const SUBJECT = 'mailto:ops@example.com';

/** Webhooks have their own test; here `notification.offline` goes nowhere. */
@Global()
@Module({ providers: [{ provide: WebhookPublisher, useValue: { publish: () => undefined, isEnabled: () => false } }], exports: [WebhookPublisher] })
class NoWebhooksModule {}

/** Tests start their own nodes (up to three) and some wait out a lock: more than jest's default on a shared machine. */
const MULTI_NODE_TIMEOUT_MS = 60_000;
/** A survivor takes over once the lock of the dead node lapses, plus its own start-up. */
const RECOVERY_TIMEOUT_MS = 40_000;

/**
 * Web Push end to end. Nothing calls `notifyOffline` in the product yet (the send path is wired to it in the
 * next phase), so producers here are Nest application contexts of PushModule in the test process, on the real
 * Redis, with their worker left out; the pushes are sent by real nodes (`node dist/main.js`) to a real HTTPS
 * push service.
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

  it('sends each subscription of the user a push its browser decrypts, with a VAPID JWT that verifies', async () => {
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
  }, MULTI_NODE_TIMEOUT_MS);

  it('refuses an endpoint outside PUSH_ALLOWED_HOSTS with validation_failed and stores nothing', async () => {
    const moduleRef = await producer();
    const foreign = { ...pushService.subscriber('x').subscription, endpoint: 'https://evil.example.com/push/x' };
    await expect(moduleRef.get(PushService).subscribe('mallory', foreign)).rejects.toMatchObject({ code: 'validation_failed' });
    expect(await moduleRef.get(PushRepository).list('mallory')).toEqual([]);
  });

  it('drops a subscription whose push service answers 410, and keeps the others', async () => {
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
  }, MULTI_NODE_TIMEOUT_MS);

  it('pushes a message queued by two nodes once per subscription', async () => {
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
    expect(pushService.pushesTo('tina-tablet').map((received) => received.payload?.messageId).sort()).toEqual(['300-0', '301-0']);
  }, MULTI_NODE_TIMEOUT_MS);

  it('delivers from another node a push whose node was SIGKILLed while sending it', async () => {
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
  }, MULTI_NODE_TIMEOUT_MS);
});
