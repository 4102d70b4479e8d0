import { Module } from '@nestjs/common';
import { MetricsModule } from '../metrics/metrics.module';
import { QueueModule } from '../queue/queue.module';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { PushDeliveryWorker } from './push-delivery.worker';
import { PushQueue } from './push-queue';
import { PushRepository } from './push.repository';
import { PushService } from './push.service';

/** Web Push to offline users: subscriptions, the queue of pushes and the worker that sends them. */
@Module({
  imports: [MetricsModule, QueueModule, WebhooksModule],
  providers: [PushRepository, PushQueue, PushService, PushDeliveryWorker],
  exports: [PushService, PushQueue],
})
export class PushModule {}
