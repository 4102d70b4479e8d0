import { MessageBody, SubscribeMessage } from '@nestjs/websockets';
import type { Connection } from '../common/connection';
import { ClientConnection } from '../realtime/client-connection.decorator';
import { ClientEvent } from '../common/contract';
import { ChatNamespaceHandlers } from '../realtime/chat-namespace-handlers.decorator';
import { MessageRefDto } from '../rooms/dto/message-ref.dto';
import { ReceiptService } from './receipt.service';

@ChatNamespaceHandlers()
export class ReceiptGateway {
  constructor(private readonly receipts: ReceiptService) {}

  @SubscribeMessage(ClientEvent.ReceiptRead)
  read(@ClientConnection() connection: Connection, @MessageBody() { room, messageId }: MessageRefDto) {
    return this.receipts.markRead(connection, room, messageId);
  }
}
