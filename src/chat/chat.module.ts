import { Module } from '@nestjs/common';
import { EventsModule } from '../events/events.module';
import { AttachmentsModule } from '../attachments/attachments.module';
import { MetricsModule } from '../metrics/metrics.module';
import { PresenceModule } from '../presence/presence.module';
import { ReceiptsModule } from '../receipts/receipts.module';
import { SearchModule } from '../search/search.module';
import { HoldsModule } from '../holds/holds.module';
import { ChatGateway } from './chat.gateway';
import { ChatService } from './chat.service';
import { MembershipService } from './membership.service';
import { MessageRemovalService } from './message-removal.service';
import { RoomsModule } from '../rooms/rooms.module';
import { MessageQueryGateway } from './message-query.gateway';
import { MessageQueryService } from './message-query.service';
import { ROOM_FEED_SOURCE } from '../realtime/room-feed-source';
import { ChatRoomFeedSource } from './room-feed.source';

@Module({
  imports: [RoomsModule, PresenceModule, ReceiptsModule, EventsModule, AttachmentsModule, SearchModule, MetricsModule, HoldsModule],
  providers: [
    ChatGateway,
    MembershipService,
    ChatService,
    MessageRemovalService,
    MessageQueryService,
    MessageQueryGateway,
    { provide: ROOM_FEED_SOURCE, useClass: ChatRoomFeedSource },
  ],
  exports: [ChatService, MessageRemovalService, MessageQueryService],
})
export class ChatModule {}
