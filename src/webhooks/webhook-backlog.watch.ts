import { Inject, Injectable, Logger } from '@nestjs/common';
import { Gauge } from 'prom-client';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { MetricsService } from '../metrics/metrics.service';
import { WebhookStreamRepository } from './webhook-stream.repository';

/** The share of `WEBHOOK_BACKLOG_MAX` from which a node warns: beyond the cap the oldest events are dropped. */
export const BACKLOG_WARNING_SHARE = 0.8;
/** How often a dispatching node looks at the backlog (one XLEN): a warning a minute at most while it stays high. */
const CHECK_INTERVAL_MS = 30_000;

/**
 * The event stream holds events no node has turned into deliveries yet; it grows only while dispatching fails (the
 * queue's Redis unreachable, say). `chat_webhook_backlog` reports it at each scrape beside
 * `chat_webhook_backlog_limit`, and the dispatcher calls `check` so that the log says so before events are dropped.
 */
@Injectable()
export class WebhookBacklogWatch {
  private readonly logger = new Logger('Webhooks');
  private nextCheckAt = 0;

  constructor(
    private readonly stream: WebhookStreamRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    metrics: MetricsService,
  ) {
    if (config.webhooks.urls.length === 0) return;
    const backlog: Gauge = new Gauge({
      name: 'chat_webhook_backlog',
      help: "Webhook events published and not yet queued for delivery (the event stream's length), read from Redis at each scrape",
      registers: [metrics.registry],
      // a scrape must not fail when Redis does not answer: the last value stays
      collect: () =>
        this.stream.backlog().then(
          (length) => backlog.set(length),
          () => undefined,
        ),
    });
    new Gauge({
      name: 'chat_webhook_backlog_limit',
      help: 'WEBHOOK_BACKLOG_MAX: beyond it the oldest webhook events not yet queued are dropped',
      registers: [metrics.registry],
    }).set(config.webhooks.backlogMax);
  }

  /** Cheap to call on every turn of the dispatch loop: it reads Redis once per interval. */
  async check(): Promise<void> {
    if (Date.now() < this.nextCheckAt) return;
    this.nextCheckAt = Date.now() + CHECK_INTERVAL_MS;
    const length = await this.stream.backlog();
    const { backlogMax } = this.config.webhooks;
    if (length >= backlogMax * BACKLOG_WARNING_SHARE) {
      this.logger.warn(
        `webhook event backlog at ${length} of WEBHOOK_BACKLOG_MAX=${backlogMax}: events are not being queued for delivery, and beyond the cap the oldest are dropped`,
      );
    }
  }
}
