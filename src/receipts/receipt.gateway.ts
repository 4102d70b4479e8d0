import { Injectable } from '@nestjs/common';
import type { Connection } from '../common/connection';
import { ClientEvent } from '../common/contract';
import { OnClientEvent } from '../realtime/on-client-event.decorator';
import { MessageRefDto } from '../rooms/dto/message-ref.dto';
import { ReceiptService } from './receipt.service';

@Injectable()
export class ReceiptGateway {
  constructor(private readonly receipts: ReceiptService) {}

  @OnClientEvent(ClientEvent.ReceiptRead)
  read(connection: Connection, { room, messageId }: MessageRefDto) {
    return this.receipts.markRead(connection, room, messageId);
  }
}
