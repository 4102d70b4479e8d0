import { Injectable } from '@nestjs/common';
import { StoredMessage } from '../common/contract';
import { AttachmentService } from './attachment.service';
import type { RoomMessage } from '../rooms/message.codec';

/**
 * A message as clients receive it, wherever it is served (live, history, catch-up, replies, search, admin API):
 * stored attachments get download links made now, since links expire. Messages without attachments pass as
 * they are, without waiting for anything.
 */
@Injectable()
export class MessagePresenter {
  constructor(private readonly attachments: AttachmentService) {}

  async present(message: RoomMessage): Promise<StoredMessage> {
    if (!message.attachments?.length) return message as StoredMessage;
    return { ...message, attachments: await this.attachments.urlsFor(message.attachments) };
  }

  presentAll(messages: RoomMessage[]): Promise<StoredMessage[]> {
    return Promise.all(messages.map((message) => this.present(message)));
  }
}
