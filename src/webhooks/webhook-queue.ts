import { Inject, Injectable } from '@nestjs/common';
import { Job, Queue } from 'bullmq';
import { createHash } from 'node:crypto';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { MetricsService } from '../metrics/metrics.service';
import { addedOnceWithin, EMPTY_DEPTH, QueueDepth, QueueFactory } from '../queue/queue.factory';
import { WEBHOOK_QUEUE } from './keys';
import { WebhookDelivery, WebhookEvent } from './webhook-event';

/** How long a batch's job id is remembered: a batch queued twice (a dispatcher died before acknowledging) is ignored. */
const DEDUP_WINDOW_MS = 86_400_000;
/** The dead letters: deliveries that used up their attempts, newest kept, until an admin replays them. */
const FAILED_KEPT = { count: 10_000 };

export interface DeadLetter {
  id: string;
  /** Without its query string, fragment or credentials, which may hold the receiver's secrets. */
  url: string;
  events: WebhookEvent[];
  attempts: number;
  lastError: string;
  failedAt?: number;
}

export type ReplayOutcome = 'replayed' | 'not_found' | 'url_not_configured';

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
      this.config.webhooks.urls.map((url) => ({
        name: 'deliver',
        data: { url, events },
        opts: addedOnceWithin(`${digest(url)}-${batchKey}`, DEDUP_WINDOW_MS),
      })),
    );
  }

  async deadLetters(limit: number): Promise<DeadLetter[]> {
    if (!this.isConfigured()) return [];
    const jobs = await this.deliveries().getFailed(0, limit - 1);
    return jobs.map((job) => ({
      id: job.id!,
      url: withoutSecrets(job.data.url),
      events: job.data.events,
      attempts: job.attemptsMade,
      lastError: urlsWithoutSecrets(job.failedReason ?? ''),
      failedAt: job.finishedOn,
    }));
  }

  /** A dead letter goes back to its URL only while that URL is still configured. */
  async replay(id: string): Promise<ReplayOutcome> {
    if (!this.isConfigured()) return 'not_found';
    const job: Job<WebhookDelivery> | undefined = await this.deliveries().getJob(id);
    if (!job || !(await job.isFailed())) return 'not_found';
    if (!this.config.webhooks.urls.includes(job.data.url)) return 'url_not_configured';
    await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    return 'replayed';
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
    this.queue ??= this.queues.queue<WebhookDelivery>(WEBHOOK_QUEUE, { maxAttempts, retryBaseMs, keepFailed: FAILED_KEPT });
    return this.queue;
  }
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 24);
}

/** Scheme, host, port and path: a receiver's token in the query string or in user:password@ is not shown. */
export function withoutSecrets(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return '[unparsable URL]';
  }
}

/** The same for every URL inside a text, such as an error message written before they stopped naming the URL. */
export function urlsWithoutSecrets(text: string): string {
  return text.replace(/https?:\/\/[^\s"'<>]+/g, (url) => withoutSecrets(url));
}
