import { Module } from '@nestjs/common';
import { AttachmentsModule } from '../attachments/attachments.module';
import { PresenceModule } from '../presence/presence.module';
import { ReceiptsModule } from '../receipts/receipts.module';
import { SearchModule } from '../search/search.module';
import { ChatGateway } from './chat.gateway';
import { ChatService } from './chat.service';
import { RoomsModule } from '../rooms/rooms.module';
import { MessagePresenter } from './message-presenter';
import { MessageQueryGateway } from './message-query.gateway';
import { MessageQueryService } from './message-query.service';

@Module({
  imports: [RoomsModule, PresenceModule, ReceiptsModule, AttachmentsModule, SearchModule],
  providers: [ChatGateway, ChatService, MessagePresenter, MessageQueryService, MessageQueryGateway],
  exports: [ChatService],
})
export class ChatModule {}
