import { Injectable } from '@nestjs/common';
import type { Connection } from '../common/connection';
import { notJoined } from '../common/contract-error';
import { ClientEvent } from '../common/contract';
import { OnClientEvent } from '../realtime/on-client-event.decorator';
import { AttachmentService } from './attachment.service';
import { CreateAttachmentDto } from './dto/create-attachment.dto';

@Injectable()
export class AttachmentGateway {
  constructor(private readonly attachments: AttachmentService) {}

  /** Joined rooms only, as for sending: an attachment exists to be sent. */
  @OnClientEvent(ClientEvent.AttachmentCreate)
  create(connection: Connection, { room, filename, contentType, size }: CreateAttachmentDto) {
    if (!connection.rooms.has(room)) throw notJoined(room);
    return this.attachments.create(connection.user.id, room, { filename, contentType, size });
  }
}
