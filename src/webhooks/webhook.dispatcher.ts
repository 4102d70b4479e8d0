import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { WebhookBacklogWatch } from './webhook-backlog.watch';
import { WebhookEvent } from './webhook-event';
import { WebhookQueue } from './webhook-queue';
import { StreamedEvent, WebhookStreamRepository } from './webhook-stream.repository';

/** How long one read waits for new events; also bounds how long shutdown waits for the loop. */
const READ_BLOCK_MS = 1000;
const RETRY_AFTER_ERROR_MS = 1000;

/**
 * Turns the event stream into delivery jobs. Every node reads in one consumer group, so each event is
 * batched by exactly one node; a batch is acknowledged only once its jobs are queued, and entries a dead
 * node had read but not acknowledged are claimed by another node after `WEBHOOK_CLAIM_IDLE_MS`.
 * Batches form by themselves: whatever accumulated while the previous batch was being queued.
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(WebhookDispatcher.name);
  private running = false;
  private loop?: Promise<void>;
  private nextClaimAt = 0;

  constructor(
    private readonly stream: WebhookStreamRepository,
    private readonly deliveries: WebhookQueue,
    private readonly backlog: WebhookBacklogWatch,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.webhooks.urls.length === 0) return;
    this.running = true;
    this.loop = this.run();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  private async run(): Promise<void> {
    let groupReady = false;
    while (this.running) {
      try {
        if (!groupReady) {
          await this.stream.ensureGroup();
          groupReady = true;
        }
        await this.dispatchOnce();
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (message.startsWith('NOGROUP')) groupReady = false;
        if (!this.running) return;
        this.logger.warn(`webhook dispatch paused: ${message}`);
        await new Promise((resolve) => setTimeout(resolve, RETRY_AFTER_ERROR_MS));
      }
    }
  }

  private async dispatchOnce(): Promise<void> {
    const { batchSize, claimIdleMs } = this.config.webhooks;
    const consumer = this.config.nodeId;
    await this.backlog.check();
    if (Date.now() >= this.nextClaimAt) {
      this.nextClaimAt = Date.now() + claimIdleMs / 2;
      const abandoned = await this.stream.claimAbandoned(consumer, claimIdleMs, batchSize);
      if (abandoned.length > 0) {
        this.logger.warn(`${abandoned.length} webhook events taken over from a node that stopped dispatching`);
        await this.dispatch(abandoned);
      }
    }
    await this.dispatch(await this.stream.readNew(consumer, batchSize, READ_BLOCK_MS));
  }

  private async dispatch(batch: StreamedEvent[]): Promise<void> {
    if (batch.length === 0) return;
    const events = batch.map((entry) => entry.event).filter((event): event is WebhookEvent => event !== undefined);
    if (events.length > 0)
      await this.deliveries.enqueue(
        batch.map((entry) => entry.entryId),
        events,
      );
    await this.stream.acknowledge(batch.map((entry) => entry.entryId));
  }
}
