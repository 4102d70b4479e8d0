import { Module } from '@nestjs/common';
import { ReceiptGateway } from './receipt.gateway';
import { RoomsModule } from '../rooms/rooms.module';
import { ReceiptRepository } from './receipt.repository';
import { ReceiptService } from './receipt.service';

@Module({
  imports: [RoomsModule],
  providers: [ReceiptGateway, ReceiptService, ReceiptRepository],
  exports: [ReceiptService],
})
export class ReceiptsModule {}
