import { Module } from '@nestjs/common';
import { MetricsModule } from '../metrics/metrics.module';
import { QueueFactory } from './queue.factory';

/** BullMQ for the delivery engines (webhooks, Web Push), which import it: one connection setup, one key prefix. */
@Module({
  imports: [MetricsModule],
  providers: [QueueFactory],
  exports: [QueueFactory],
})
export class QueueModule {}
