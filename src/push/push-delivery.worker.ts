import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Job } from 'bullmq';
import { sendNotification, WebPushError } from 'web-push';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { QueueFactory } from '../queue/queue.factory';
import { PUSH_QUEUE } from './keys';
import { PushJob } from './push-queue';
import { isAllowedEndpoint } from './push-subscription';
import { PushRepository } from './push.repository';

/** Pushes running at once per node. */
const CONCURRENCY = 8;
/** How long a push service keeps a push for a device that is offline. */
const PUSH_TTL_SEC = 24 * 3600;
/** The push service says the subscription is gone for good. */
const GONE_STATUSES = new Set([404, 410]);

/**
 * Sends each push: RFC 8291 (aes128gcm) payload encryption and an RFC 8292 VAPID JWT, both by `web-push`.
 * A thrown error is a failed attempt, retried with backoff; a gone subscription is dropped instead.
 */
@Injectable()
export class PushDeliveryWorker implements OnApplicationBootstrap {
  private readonly logger = new Logger(PushDeliveryWorker.name);

  constructor(
    private readonly queues: QueueFactory,
    private readonly repository: PushRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.push.vapid) return;
    this.queues.worker<PushJob>(PUSH_QUEUE, (job) => this.push(job), CONCURRENCY);
  }

  private async push(job: Job<PushJob>): Promise<void> {
    const { userId, subscription, notification } = job.data;
    // PUSH_ALLOWED_HOSTS may have been narrowed since the subscription (or the job) was made
    if (!isAllowedEndpoint(subscription.endpoint, this.config.push.allowedHosts)) {
      await this.repository.remove(userId, subscription.endpoint);
      this.logger.warn(`push subscription of ${userId} dropped, nothing sent: its host is not in PUSH_ALLOWED_HOSTS`);
      return;
    }
    try {
      await sendNotification(subscription, JSON.stringify(notification), {
        vapidDetails: this.config.push.vapid!,
        TTL: PUSH_TTL_SEC,
        timeout: this.config.push.timeoutMs,
        contentEncoding: 'aes128gcm',
      });
    } catch (error) {
      if (error instanceof WebPushError && GONE_STATUSES.has(error.statusCode)) {
        await this.repository.remove(userId, subscription.endpoint);
        this.logger.log(`push subscription of ${userId} dropped: its push service answered ${error.statusCode}`);
        return;
      }
      throw error instanceof WebPushError ? new Error(`push service answered ${error.statusCode}: ${error.body}`) : error;
    }
  }
}
