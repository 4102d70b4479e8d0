import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { Job } from 'bullmq';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { QueueFactory } from '../queue/queue.factory';
import { WEBHOOK_QUEUE } from './keys';
import { SIGNATURE_HEADER, signWebhookBody, WebhookDelivery } from './webhook-event';

/** POSTs running at once per node; each holds one HTTP request open at most `WEBHOOK_TIMEOUT_MS`. */
const CONCURRENCY = 8;

/** Sends each delivery job; a thrown error (non-2xx, timeout, refused connection) is a failed attempt. */
@Injectable()
export class WebhookDeliveryWorker implements OnApplicationBootstrap {
  constructor(
    private readonly queues: QueueFactory,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.webhooks.urls.length === 0) return;
    this.queues.worker<WebhookDelivery>(WEBHOOK_QUEUE, (job) => this.deliver(job), CONCURRENCY);
  }

  private async deliver(job: Job<WebhookDelivery>): Promise<void> {
    const { url, events } = job.data;
    const body = JSON.stringify({ events });
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'chat-webhooks',
        [SIGNATURE_HEADER]: signWebhookBody(body, this.config.webhooks.secret!),
      },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(this.config.webhooks.timeoutMs),
    });
    await response.arrayBuffer().catch(() => undefined);
    if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  }
}
