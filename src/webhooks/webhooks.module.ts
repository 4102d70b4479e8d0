import { Module } from '@nestjs/common';
import { MetricsModule } from '../metrics/metrics.module';
import { QueueModule } from '../queue/queue.module';
import { WebhookBacklogWatch } from './webhook-backlog.watch';
import { WebhookDeliveryWorker } from './webhook-delivery.worker';
import { WebhookDispatcher } from './webhook.dispatcher';
import { WebhookEventListeners } from './webhook-event.listeners';
import { WebhookPublisher } from './webhook.publisher';
import { WebhookQueue } from './webhook-queue';
import { WebhookStreamRepository } from './webhook-stream.repository';

/**
 * Outgoing webhooks: features that publish events import it (audit/, push/); every node dispatches the event
 * stream into delivery jobs and runs delivery workers; admins read and replay the dead letters through the admin
 * API (moderation/).
 */
@Module({
  imports: [MetricsModule, QueueModule],
  providers: [WebhookStreamRepository, WebhookBacklogWatch, WebhookPublisher, WebhookQueue, WebhookDispatcher, WebhookDeliveryWorker, WebhookEventListeners],
  exports: [WebhookPublisher, WebhookQueue],
})
export class WebhooksModule {}
