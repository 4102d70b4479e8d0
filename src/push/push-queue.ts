import { Inject, Injectable } from '@nestjs/common';
import { Queue } from 'bullmq';
import { createHash } from 'node:crypto';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { MetricsService } from '../metrics/metrics.service';
import { addedOnceWithin, EMPTY_DEPTH, QueueDepth, QueueFactory } from '../queue/queue.factory';
import { PUSH_QUEUE } from './keys';
import { OfflineNotification, PushSubscription } from './push-subscription';

export interface PushJob {
  userId: string;
  subscription: PushSubscription;
  notification: OfflineNotification;
}

/**
 * How long a job id is remembered after its job was added: a second `notifyOffline` of the same message (from
 * another node, or a retry of the send) within it adds nothing. A push older than that is not worth sending anyway.
 */
const DEDUP_WINDOW_MS = 86_400_000;
const FAILED_KEPT = { age: 7 * 86_400, count: 10_000 };

@Injectable()
export class PushQueue {
  private queue?: Queue<PushJob>;

  constructor(
    private readonly queues: QueueFactory,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    metrics: MetricsService,
  ) {
    metrics.reportQueue('push', () => this.depth());
  }

  async enqueue(jobs: PushJob[]): Promise<void> {
    if (jobs.length === 0) return;
    await this.pushes().addBulk(jobs.map((job) => ({ name: 'push', data: job, opts: addedOnceWithin(pushJobId(job), DEDUP_WINDOW_MS) })));
  }

  async depth(): Promise<QueueDepth> {
    if (!this.config.push.vapid) return EMPTY_DEPTH;
    return this.queues.depth(this.pushes());
  }

  private pushes(): Queue<PushJob> {
    const { maxAttempts, retryBaseMs } = this.config.push;
    this.queue ??= this.queues.queue<PushJob>(PUSH_QUEUE, { maxAttempts, retryBaseMs, keepFailed: FAILED_KEPT });
    return this.queue;
  }
}

/** Deterministic per (message, subscription): message ids are unique within a room, so the room is part of it. */
export function pushJobId({ notification, subscription }: Pick<PushJob, 'notification' | 'subscription'>): string {
  const endpointHash = createHash('sha256').update(`${notification.room}\n${subscription.endpoint}`).digest('hex').slice(0, 32);
  return `${notification.messageId}-${endpointHash}`;
}
