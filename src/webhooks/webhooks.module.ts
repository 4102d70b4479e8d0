import { Global, Module } from '@nestjs/common';
import { MetricsModule } from '../metrics/metrics.module';
import { WebhookBacklogWatch } from './webhook-backlog.watch';
import { WebhookDeliveryWorker } from './webhook-delivery.worker';
import { WebhookDispatcher } from './webhook.dispatcher';
import { WebhookEventListeners } from './webhook-event.listeners';
import { WebhookPublisher } from './webhook.publisher';
import { WebhookQueue } from './webhook-queue';
import { WebhookStreamRepository } from './webhook-stream.repository';

/**
 * Outgoing webhooks: features `publish` events (global, so any feature can); every node dispatches the
 * event stream into delivery jobs and runs delivery workers; admins read and replay the dead letters through the admin API (moderation/).
 */
@Global()
@Module({
  imports: [MetricsModule],
  providers: [WebhookStreamRepository, WebhookBacklogWatch, WebhookPublisher, WebhookQueue, WebhookDispatcher, WebhookDeliveryWorker, WebhookEventListeners],
  exports: [WebhookPublisher, WebhookQueue],
})
export class WebhooksModule {}
