import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { WebhookPublisher } from '../webhooks/webhook.publisher';
import { PushQueue } from './push-queue';
import { assertAllowedEndpoint, assertUsableKeys, isAllowedEndpoint, OfflineNotification, previewOf, PushSubscription } from './push-subscription';
import { PushRepository } from './push.repository';

/**
 * Web Push for users with no live connection: the rules, free of any transport. Subscriptions are kept per
 * user (the newest `PUSH_MAX_SUBSCRIPTIONS_PER_USER`); pushes are queued and sent by the push worker.
 */
@Injectable()
export class PushService {
  constructor(
    private readonly repository: PushRepository,
    private readonly queue: PushQueue,
    private readonly webhooks: WebhookPublisher,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Subscribing an endpoint again replaces its keys and makes it the newest. */
  async subscribe(userId: string, subscription: PushSubscription): Promise<void> {
    assertAllowedEndpoint(subscription.endpoint, this.config.push.allowedHosts);
    assertUsableKeys(subscription.keys);
    const { endpoint, keys } = subscription;
    await this.repository.save(userId, { endpoint, keys: { p256dh: keys.p256dh, auth: keys.auth } }, this.config.push.maxSubscriptionsPerUser);
  }

  async unsubscribe(userId: string, endpoint: string): Promise<void> {
    await this.repository.remove(userId, endpoint);
  }

  /** The endpoints the user subscribed, for a data export (the keys stay private). */
  async endpointsOf(userId: string): Promise<string[]> {
    return (await this.repository.list(userId)).map((subscription) => subscription.endpoint);
  }

  /** Erasure: every subscription of the user goes. */
  async forgetUser(userId: string): Promise<void> {
    await this.repository.removeAll(userId);
  }

  /**
   * Queues one push per subscription of the user (when VAPID is configured) and publishes the
   * `notification.offline` webhook event. Calling it twice for one message, on any nodes, pushes once.
   * A subscription whose host is no longer in `PUSH_ALLOWED_HOSTS` is dropped instead (the worker checks again).
   */
  async notifyOffline(userId: string, notification: OfflineNotification): Promise<void> {
    const payload: OfflineNotification = { ...notification, preview: previewOf(notification.preview) };
    const { type: _type, ...event } = payload;
    void this.webhooks.publish('notification.offline', { userId, ...event });
    if (!this.config.push.vapid) return;
    const subscriptions = await this.repository.list(userId);
    const allowed = subscriptions.filter((subscription) => isAllowedEndpoint(subscription.endpoint, this.config.push.allowedHosts));
    const refused = subscriptions.filter((subscription) => !allowed.includes(subscription));
    await Promise.all([
      this.queue.enqueue(allowed.map((subscription) => ({ userId, subscription, notification: payload }))),
      ...refused.map((subscription) => this.repository.remove(userId, subscription.endpoint)),
    ]);
  }
}
