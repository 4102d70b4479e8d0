import { createECDH, randomBytes } from 'node:crypto';
import type { AppConfig } from '../config/app-config';
import { DEFAULT_PUSH_ALLOWED_HOSTS, loadConfig } from '../config/app-config';
import { ContractError } from '../common/contract-error';
import type { WebhookPublisher } from '../webhooks/webhook.publisher';
import { PushJob, pushJobId, PushQueue } from './push-queue';
import { assertAllowedEndpoint, PushSubscription } from './push-subscription';
import type { PushRepository } from './push.repository';
import { PushService } from './push.service';
import { fake } from '../testing/fakes';

const VAPID = { publicKey: 'B'.repeat(87), privateKey: 'p'.repeat(43), subject: 'mailto:ops@example.com' };

function subscription(endpoint = 'https://fcm.googleapis.com/fcm/send/abc'): PushSubscription {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return { endpoint, keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: randomBytes(16).toString('base64url') } };
}

/** The repository's contract in memory: newest kept, oldest dropped beyond the bound. */
class FakePushRepository {
  readonly byUser = new Map<string, PushSubscription[]>();

  async save(userId: string, sub: PushSubscription, max: number): Promise<void> {
    const kept = (this.byUser.get(userId) ?? []).filter((existing) => existing.endpoint !== sub.endpoint);
    kept.push(sub);
    this.byUser.set(userId, kept.slice(-max));
  }

  async remove(userId: string, endpoint: string): Promise<void> {
    this.byUser.set(
      userId,
      (this.byUser.get(userId) ?? []).filter((existing) => existing.endpoint !== endpoint),
    );
  }

  async list(userId: string): Promise<PushSubscription[]> {
    return this.byUser.get(userId) ?? [];
  }
}

function serviceWith(push: Partial<AppConfig['push']> = {}) {
  const repository = new FakePushRepository();
  const queued: PushJob[] = [];
  const queue = fake<PushQueue>({ enqueue: async (jobs: PushJob[]) => void queued.push(...jobs) });
  const published: unknown[] = [];
  const webhooks = fake<WebhookPublisher>({ publish: async (type: string, data: unknown) => void published.push({ type, data }) });
  const config = { push: { allowedHosts: DEFAULT_PUSH_ALLOWED_HOSTS, maxSubscriptionsPerUser: 3, vapid: VAPID, ...push } } as AppConfig;
  return { service: new PushService(fake<PushRepository>(repository), queue, webhooks, config), repository, queued, published };
}

const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );

describe('push endpoint rules', () => {
  it.each([
    'https://fcm.googleapis.com/fcm/send/x',
    'https://updates.push.services.mozilla.com/wpush/v2/x',
    'https://db5p.notify.windows.com/w/?token=x',
    'https://web.push.apple.com/QGx',
  ])("accepts the browsers' push services by default: %s", (endpoint) => {
    expect(() => assertAllowedEndpoint(endpoint, DEFAULT_PUSH_ALLOWED_HOSTS)).not.toThrow();
  });

  it.each([
    ['http://fcm.googleapis.com/fcm/send/x', 'https'],
    ['https://evil.example.com/x', 'not an allowed push service'],
    ['https://fcm.googleapis.com.evil.com/x', 'not an allowed push service'],
    ['https://notify.windows.com/x', 'not an allowed push service'],
    ['https://fcm.googleapis.com:8443/x', 'not an allowed push service'],
    ['https://user:pw@fcm.googleapis.com/x', 'credentials'],
    ['not a url', 'must be a URL'],
  ])('refuses %s with validation_failed', (endpoint, reason) => {
    expect(() => assertAllowedEndpoint(endpoint, DEFAULT_PUSH_ALLOWED_HOSTS)).toThrow(
      expect.objectContaining({ code: 'validation_failed', message: expect.stringContaining(reason) }),
    );
  });

  it('matches a configured host:port exactly', () => {
    expect(() => assertAllowedEndpoint('https://127.0.0.1:8443/push/1', ['127.0.0.1:8443'])).not.toThrow();
    expect(() => assertAllowedEndpoint('https://127.0.0.1:8444/push/1', ['127.0.0.1:8443'])).toThrow(ContractError);
  });

  it('reads PUSH_ALLOWED_HOSTS and the three VAPID variables together, naming a bad one', () => {
    const base = { JWT_SECRET: 'x'.repeat(32) };
    expect(loadConfig({ ...base, PUSH_ALLOWED_HOSTS: 'push.example.com, *.example.net' }).push.allowedHosts).toEqual(['push.example.com', '*.example.net']);
    expect(() => loadConfig({ ...base, VAPID_PUBLIC_KEY: VAPID.publicKey })).toThrow('VAPID_PRIVATE_KEY');
    expect(() => loadConfig({ ...base, PUSH_ALLOWED_HOSTS: 'https://x' })).toThrow('PUSH_ALLOWED_HOSTS');
    expect(() => loadConfig({ ...base, WEBHOOK_URLS: 'https://hooks.example.com/x' })).toThrow('WEBHOOK_SECRET');
    expect(() => loadConfig({ ...base, WEBHOOK_URLS: 'ftp://x', WEBHOOK_SECRET: 's' })).toThrow('WEBHOOK_URLS');
    expect(() => loadConfig({ ...base, WEBHOOK_EVENTS: 'message.created,message.exploded' })).toThrow('WEBHOOK_EVENTS');
  });
});

describe('PushService', () => {
  it('keeps the newest subscriptions up to the bound, dropping the oldest', async () => {
    const { service, repository } = serviceWith();
    const subs = [1, 2, 3, 4].map((n) => subscription(`https://fcm.googleapis.com/fcm/send/${n}`));
    for (const sub of subs) await service.subscribe('olivia', sub);
    expect((await repository.list('olivia')).map((sub) => sub.endpoint)).toEqual(subs.slice(1).map((sub) => sub.endpoint));
  });

  it('refuses a subscription with unusable keys or a foreign endpoint, storing nothing', async () => {
    const { service, repository } = serviceWith();
    const good = subscription();
    const badKeys = [
      { ...good.keys, p256dh: Buffer.alloc(65, 1).toString('base64url') },
      { ...good.keys, auth: randomBytes(8).toString('base64url') },
    ];
    for (const keys of badKeys) expect(await rejection(service.subscribe('olivia', { ...good, keys }))).toMatchObject({ code: 'validation_failed' });
    expect(await rejection(service.subscribe('olivia', subscription('https://169.254.169.254/latest')))).toMatchObject({ code: 'validation_failed' });
    expect(await repository.list('olivia')).toEqual([]);
  });

  it('queues one push per subscription with a preview of 100 characters and publishes notification.offline', async () => {
    const { service, queued, published } = serviceWith();
    await service.subscribe('olivia', subscription('https://fcm.googleapis.com/fcm/send/a'));
    await service.subscribe('olivia', subscription('https://web.push.apple.com/b'));
    const content = '😀'.repeat(150);
    await service.notifyOffline('olivia', { type: 'message', room: 'dm:bob:olivia', messageId: '1-0', from: 'bob', preview: content });

    expect(queued).toHaveLength(2);
    expect(queued[0].notification).toEqual({ type: 'message', room: 'dm:bob:olivia', messageId: '1-0', from: 'bob', preview: '😀'.repeat(100) });
    expect(new Set(queued.map(pushJobId)).size).toBe(2);
    expect(published).toEqual([
      { type: 'notification.offline', data: { userId: 'olivia', room: 'dm:bob:olivia', messageId: '1-0', from: 'bob', preview: '😀'.repeat(100) } },
    ]);
  });

  it('drops, and queues nothing for, a subscription whose host is no longer in PUSH_ALLOWED_HOSTS', async () => {
    const { service, repository, queued } = serviceWith({ allowedHosts: ['fcm.googleapis.com', 'push.example.net'] });
    await service.subscribe('olivia', subscription('https://fcm.googleapis.com/fcm/send/a'));
    await service.subscribe('olivia', subscription('https://push.example.net/b'));
    const narrowed = new PushService(
      fake<PushRepository>(repository),
      fake<PushQueue>({ enqueue: async (jobs: PushJob[]) => void queued.push(...jobs) }),
      fake<WebhookPublisher>({ publish: async () => undefined }),
      { push: { allowedHosts: ['fcm.googleapis.com'], maxSubscriptionsPerUser: 3, vapid: VAPID } } as AppConfig,
    );

    await narrowed.notifyOffline('olivia', { type: 'message', room: 'r', messageId: '1-0', from: 'bob', preview: 'hi' });
    expect(queued.map((job) => job.subscription.endpoint)).toEqual(['https://fcm.googleapis.com/fcm/send/a']);
    expect((await repository.list('olivia')).map((sub) => sub.endpoint)).toEqual(['https://fcm.googleapis.com/fcm/send/a']);
  });

  it('queues nothing without VAPID keys, but still publishes the webhook event', async () => {
    const { service, queued, published } = serviceWith({ vapid: undefined });
    await service.subscribe('olivia', subscription());
    await service.notifyOffline('olivia', { type: 'message', room: 'r', messageId: '1-0', from: 'bob', preview: 'hi' });
    expect(queued).toEqual([]);
    expect(published).toHaveLength(1);
  });

  it('gives the same job id to the same message and subscription, and different ones otherwise', () => {
    const sub = subscription();
    const notification = { type: 'message' as const, room: 'r', messageId: '5-0', from: 'bob', preview: 'hi' };
    expect(pushJobId({ notification, subscription: sub })).toBe(pushJobId({ notification: { ...notification, preview: 'other' }, subscription: { ...sub } }));
    expect(pushJobId({ notification, subscription: sub })).not.toBe(pushJobId({ notification: { ...notification, messageId: '6-0' }, subscription: sub }));
    expect(pushJobId({ notification, subscription: sub })).not.toBe(pushJobId({ notification: { ...notification, room: 'r2' }, subscription: sub }));
    expect(pushJobId({ notification, subscription: sub })).not.toContain(':');
  });
});
