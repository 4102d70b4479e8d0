import { Module } from '@nestjs/common';
import { AttachmentsModule } from '../attachments/attachments.module';
import { PushModule } from '../push/push.module';
import { ReceiptsModule } from '../receipts/receipts.module';
import { RoomsModule } from '../rooms/rooms.module';
import { ThrottlingModule } from '../throttling/throttling.module';
import { InboxRepository } from './inbox.repository';
import { InboxService } from './inbox.service';
import { OfflineDelivery } from './offline-delivery';
import { OfflineGateway } from './offline.gateway';

/** Offline delivery: the inbox of a user's rooms, mentions, and pushes to users with no live connection. */
@Module({
  imports: [RoomsModule, ReceiptsModule, PushModule, ThrottlingModule, AttachmentsModule],
  providers: [InboxRepository, InboxService, OfflineDelivery, OfflineGateway],
})
export class OfflineModule {}
