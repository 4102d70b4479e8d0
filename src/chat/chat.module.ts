import { Module } from '@nestjs/common';
import { ChatGateway } from './chat.gateway';
import { ChatService } from './chat.service';
import { MessageRepository } from './message.repository';

@Module({
  providers: [ChatGateway, ChatService, MessageRepository],
  exports: [ChatService, MessageRepository],
})
export class ChatModule {}
