import { Injectable } from '@nestjs/common';
import type { Connection } from '../common/connection';
import { ClientEvent } from '../common/contract';
import { OnClientEvent } from '../realtime/on-client-event.decorator';
import { AttachmentService } from './attachment.service';
import { CreateAttachmentDto } from './dto/create-attachment.dto';

@Injectable()
export class AttachmentGateway {
  constructor(private readonly attachments: AttachmentService) {}

  @OnClientEvent(ClientEvent.AttachmentCreate)
  create(connection: Connection, { room, filename, contentType, size }: CreateAttachmentDto) {
    return this.attachments.declare(connection, room, { filename, contentType, size });
  }
}
