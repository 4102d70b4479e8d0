import { Global, Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { WebhookDeliveryWorker } from './webhook-delivery.worker';
import { WebhookDispatcher } from './webhook.dispatcher';
import { WebhookPublisher } from './webhook.publisher';
import { WebhookQueue } from './webhook-queue';
import { WebhookStreamRepository } from './webhook-stream.repository';
import { WebhooksAdminController } from './webhooks-admin.controller';

/**
 * Outgoing webhooks: features `publish` events (global, so any feature can); every node dispatches the
 * event stream into delivery jobs and runs delivery workers; admins read and replay the dead letters.
 */
@Global()
@Module({
  imports: [AuthModule],
  controllers: [WebhooksAdminController],
  providers: [WebhookStreamRepository, WebhookPublisher, WebhookQueue, WebhookDispatcher, WebhookDeliveryWorker],
  exports: [WebhookPublisher, WebhookQueue],
})
export class WebhooksModule {}
