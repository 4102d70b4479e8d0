import { ConnectedSocket, MessageBody, SubscribeMessage } from '@nestjs/websockets';
import type { ChatSocket } from '../common/chat-socket';
import { notJoined } from '../common/contract-error';
import { ClientEvent } from '../common/contract';
import { ChatNamespaceGateway } from '../common/contract-gateway.decorator';
import { AttachmentService } from './attachment.service';
import { CreateAttachmentDto } from './dto/create-attachment.dto';

@ChatNamespaceGateway()
export class AttachmentGateway {
  constructor(private readonly attachments: AttachmentService) {}

  /** Joined rooms only, as for sending: an attachment exists to be sent. */
  @SubscribeMessage(ClientEvent.AttachmentCreate)
  create(@ConnectedSocket() socket: ChatSocket, @MessageBody() { room, filename, contentType, size }: CreateAttachmentDto) {
    if (!socket.rooms.has(room)) throw notJoined(room);
    return this.attachments.create(socket.data.user.id, room, { filename, contentType, size });
  }
}
