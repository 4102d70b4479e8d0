import { Inject, Injectable } from '@nestjs/common';
import { Job, Queue } from 'bullmq';
import { createHash } from 'node:crypto';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { MetricsService } from '../metrics/metrics.service';
import { EMPTY_DEPTH, QueueDepth, QueueFactory } from '../queue/queue.factory';
import { WEBHOOK_QUEUE } from './keys';
import { WebhookDelivery, WebhookEvent } from './webhook-event';

/** Completed jobs are kept a day so that a batch queued twice (a dispatcher died before acknowledging) is ignored. */
const COMPLETED_KEPT = { age: 86_400, count: 100_000 };
/** The dead letters: deliveries that used up their attempts, newest kept, until an admin replays them. */
const FAILED_KEPT = { count: 10_000 };

export interface DeadLetter {
  id: string;
  url: string;
  events: WebhookEvent[];
  attempts: number;
  lastError: string;
  failedAt?: number;
}

/** The deliveries queue: one job per (batch, URL), retried with exponential backoff. */
@Injectable()
export class WebhookQueue {
  private queue?: Queue<WebhookDelivery>;

  constructor(
    private readonly queues: QueueFactory,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    metrics: MetricsService,
  ) {
    metrics.reportQueue('webhooks', () => this.depth());
  }

  /**
   * The job id derives from the URL and the exact entries of the batch: the same batch dispatched again adds
   * nothing, while a batch grouped differently is a new job (a repeat the receiver drops by event id, never a loss).
   */
  async enqueue(entryIds: string[], events: WebhookEvent[]): Promise<void> {
    const batchKey = digest(entryIds.join(','));
    await this.deliveries().addBulk(
      this.config.webhooks.urls.map((url) => ({ name: 'deliver', data: { url, events }, opts: { jobId: `${digest(url)}-${batchKey}` } })),
    );
  }

  async deadLetters(limit: number): Promise<DeadLetter[]> {
    if (!this.isConfigured()) return [];
    const jobs = await this.deliveries().getFailed(0, limit - 1);
    return jobs.map((job) => ({
      id: job.id!,
      url: job.data.url,
      events: job.data.events,
      attempts: job.attemptsMade,
      lastError: job.failedReason,
      failedAt: job.finishedOn,
    }));
  }

  /** False when there is no such dead letter: unknown, or already replayed. */
  async replay(id: string): Promise<boolean> {
    if (!this.isConfigured()) return false;
    const job: Job<WebhookDelivery> | undefined = await this.deliveries().getJob(id);
    if (!job || !(await job.isFailed())) return false;
    await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    return true;
  }

  async depth(): Promise<QueueDepth> {
    if (!this.isConfigured()) return EMPTY_DEPTH;
    return this.queues.depth(this.deliveries());
  }

  private isConfigured(): boolean {
    return this.config.webhooks.urls.length > 0;
  }

  private deliveries(): Queue<WebhookDelivery> {
    const { maxAttempts, retryBaseMs } = this.config.webhooks;
    this.queue ??= this.queues.queue<WebhookDelivery>(WEBHOOK_QUEUE, { maxAttempts, retryBaseMs, keepCompleted: COMPLETED_KEPT, keepFailed: FAILED_KEPT });
    return this.queue;
  }
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 24);
}
