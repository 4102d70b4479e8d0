import { ConnectedSocket, MessageBody, SubscribeMessage } from '@nestjs/websockets';
import type { ChatSocket } from '../realtime/chat-socket';
import { ClientEvent } from '../common/contract';
import { ChatNamespaceGateway } from '../common/contract-gateway.decorator';
import { MessageRefDto } from '../chat/dto/message-ref.dto';
import { ReceiptService } from './receipt.service';

@ChatNamespaceGateway()
export class ReceiptGateway {
  constructor(private readonly receipts: ReceiptService) {}

  @SubscribeMessage(ClientEvent.ReceiptRead)
  read(@ConnectedSocket() socket: ChatSocket, @MessageBody() { room, messageId }: MessageRefDto) {
    return this.receipts.markRead(socket, room, messageId);
  }
}
