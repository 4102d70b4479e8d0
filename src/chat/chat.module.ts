import { Module } from '@nestjs/common';
import { PresenceModule } from '../presence/presence.module';
import { ReceiptsModule } from '../receipts/receipts.module';
import { ChatGateway } from './chat.gateway';
import { ChatService } from './chat.service';
import { MessageRepository } from './message.repository';

@Module({
  imports: [PresenceModule, ReceiptsModule],
  providers: [ChatGateway, ChatService, MessageRepository],
  exports: [ChatService, MessageRepository],
})
export class ChatModule {}
