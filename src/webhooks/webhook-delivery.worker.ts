import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { Job, UnrecoverableError } from 'bullmq';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { QueueFactory } from '../queue/queue.factory';
import { WEBHOOK_QUEUE } from './keys';
import { WebhookDelivery, WebhookSigner } from './webhook-event';

/** POSTs running at once per node; each holds one HTTP request open at most `WEBHOOK_TIMEOUT_MS`. */
const CONCURRENCY = 8;

/** Why a delivery became a dead letter without being sent: read by admins in the dead-letter list. */
export const URL_NOT_CONFIGURED = 'not sent: its URL is no longer in WEBHOOK_URLS';

/**
 * Sends each delivery job; a thrown error (non-2xx, timeout, refused connection) is a failed attempt. Error
 * messages never carry the URL, whose query string may hold a receiver's credentials.
 */
@Injectable()
export class WebhookDeliveryWorker implements OnApplicationBootstrap {
  private readonly configuredUrls: ReadonlySet<string>;
  private readonly signer?: WebhookSigner;

  constructor(
    private readonly queues: QueueFactory,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.configuredUrls = new Set(config.webhooks.urls);
    if (config.webhooks.secret) this.signer = new WebhookSigner(config.webhooks.secret);
  }

  onApplicationBootstrap(): void {
    if (this.config.webhooks.urls.length === 0) return;
    this.queues.worker<WebhookDelivery>(WEBHOOK_QUEUE, (job) => this.deliver(job), CONCURRENCY);
  }

  private async deliver(job: Job<WebhookDelivery>): Promise<void> {
    const { url, events } = job.data;
    // a retry (or a replay) of a URL taken out of the configuration must not reach it any more
    if (!this.configuredUrls.has(url)) throw new UnrecoverableError(URL_NOT_CONFIGURED);
    const body = JSON.stringify({ events });
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'chat-webhooks',
        ...this.signer!.headers(job.id!, body, new Date()),
      },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(this.config.webhooks.timeoutMs),
    });
    await response.arrayBuffer().catch(() => undefined);
    if (!response.ok) throw new Error(`answered ${response.status}`);
  }
}
