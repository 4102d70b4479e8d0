import { Module } from '@nestjs/common';
import { ReceiptGateway } from './receipt.gateway';
import { ReceiptRepository } from './receipt.repository';
import { ReceiptService } from './receipt.service';

@Module({
  providers: [ReceiptGateway, ReceiptService, ReceiptRepository],
  exports: [ReceiptService],
})
export class ReceiptsModule {}
