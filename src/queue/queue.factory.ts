import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { JobsOptions, KeepJobs, Processor, Queue, Worker } from 'bullmq';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { MetricsService } from '../metrics/metrics.service';
import type { QueueDepth } from '../metrics/metrics.service';
import { createRedisConnection, RedisConnectionClient } from '../redis/redis-connections';

/** One hash tag for every queue key, so that each queue's keys share a slot on Redis Cluster. */
export const QUEUE_PREFIX = '{bull}';

export type { QueueDepth };

/**
 * At shutdown, how long running jobs may finish before their workers are closed anyway: a POST can take up to its
 * timeout, longer than the shutdown deadline. A job abandoned this way is run again by another node once its lock
 * lapses (a repeat the receiver drops, never a loss).
 */
const WORKER_DRAIN_MS = 2000;

export const EMPTY_DEPTH: QueueDepth = { waiting: 0, delayed: 0, active: 0, failed: 0 };

export interface RetryPolicy {
  maxAttempts: number;
  /** Exponential backoff: the n-th retry waits retryBaseMs * 2^(n-1). */
  retryBaseMs: number;
  /** Failed jobs kept (for webhooks, the dead letters). Completed jobs are removed at once: see `addedOnceWithin`. */
  keepFailed: KeepJobs;
}

/**
 * The options of a job that must run once even when it is added again (the same webhook batch dispatched twice, a
 * message pushed by two nodes). A completed job is removed with its payload (message contents, push previews and
 * subscription keys); what makes a later add of the same id a no-op is BullMQ's deduplication marker, a key holding
 * only the job id, which expires after `windowMs`.
 */
export function addedOnceWithin(jobId: string, windowMs: number): JobsOptions {
  return { jobId, deduplication: { id: jobId, ttl: windowMs } };
}

/**
 * The BullMQ side of every engine: one lazily opened connection per node (a node without any configured
 * engine never opens it), shared by queues and workers (BullMQ duplicates it for its blocking reads), and
 * closed after them at shutdown.
 */
@Injectable()
export class QueueFactory implements OnApplicationShutdown {
  private connection?: RedisConnectionClient;
  private readonly workers: Worker[] = [];
  private readonly queues: Queue[] = [];
  private readonly dedicated: RedisConnectionClient[] = [];

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: MetricsService,
  ) {}

  queue<T>(name: string, { maxAttempts, retryBaseMs, keepFailed }: RetryPolicy): Queue<T> {
    const queue = new Queue<T>(name, {
      connection: this.sharedConnection(),
      prefix: QUEUE_PREFIX,
      defaultJobOptions: {
        attempts: maxAttempts,
        backoff: { type: 'exponential', delay: retryBaseMs },
        removeOnComplete: true,
        removeOnFail: keepFailed,
      },
    });
    this.queues.push(queue as Queue);
    return queue;
  }

  /** A job whose worker died is run again once its lock lapses (`QUEUE_LOCK_MS`): the stalled-job check. */
  worker<T>(name: string, processor: Processor<T>, concurrency: number): Worker<T> {
    const worker = new Worker<T>(name, processor, {
      connection: this.sharedConnection(),
      prefix: QUEUE_PREFIX,
      concurrency,
      lockDuration: this.config.queueLockMs,
      stalledInterval: Math.max(500, Math.floor(this.config.queueLockMs / 2)),
    });
    this.workers.push(worker as Worker);
    return worker;
  }

  /** A connection of its own, for a consumer that blocks on Redis (XREADGROUP BLOCK). */
  dedicatedConnection(): RedisConnectionClient {
    const connection = createRedisConnection(this.config, 'queue', this.metrics);
    this.dedicated.push(connection);
    return connection;
  }

  async depth(queue: Queue): Promise<QueueDepth> {
    const counts = await queue.getJobCounts('waiting', 'delayed', 'active', 'failed');
    return { waiting: counts.waiting ?? 0, delayed: counts.delayed ?? 0, active: counts.active ?? 0, failed: counts.failed ?? 0 };
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled(this.workers.map((worker) => closeWithin(worker, WORKER_DRAIN_MS)));
    await Promise.allSettled(this.queues.map((queue) => queue.close()));
    const connections = this.connection ? [...this.dedicated, this.connection] : [];
    await Promise.allSettled(connections.map((client) => client.quit().catch(() => client.disconnect())));
  }

  private sharedConnection(): RedisConnectionClient {
    this.connection ??= createRedisConnection(this.config, 'queue', this.metrics);
    return this.connection;
  }
}

async function closeWithin(worker: Worker, drainMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const drained = await Promise.race([worker.close().then(() => true), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), drainMs)))]);
  clearTimeout(timer);
  if (!drained) await worker.close(true);
}
