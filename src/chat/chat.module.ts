import { Module } from '@nestjs/common';
import { MetricsModule } from '../metrics/metrics.module';
import { PresenceModule } from '../presence/presence.module';
import { ReceiptsModule } from '../receipts/receipts.module';
import { ChatGateway } from './chat.gateway';
import { ChatService } from './chat.service';
import { RoomsModule } from '../rooms/rooms.module';

@Module({
  imports: [RoomsModule, PresenceModule, ReceiptsModule, MetricsModule],
  providers: [ChatGateway, ChatService],
  exports: [ChatService],
})
export class ChatModule {}
