import { Injectable } from '@nestjs/common';
import type { StoredMessage } from '../common/contract';
import type { LiveMessage, RoomFeedSource } from '../realtime/room-feed-source';
import { MessagePresenter } from '../attachments/message-presenter';
import { decodeLiveMessage } from '../rooms/live-feed';
import { RoomStore } from '../rooms/room-store';

/** realtime/'s room feed reads the room store through this: the live channel, its payload, and the stream. */
@Injectable()
export class ChatRoomFeedSource implements RoomFeedSource {
  constructor(
    private readonly messages: RoomStore,
    private readonly presenter: MessagePresenter,
  ) {}

  channelOf(room: string): string {
    return this.messages.liveChannelOf(room);
  }

  decode(payload: string): LiveMessage {
    return decodeLiveMessage(payload);
  }

  newestId(room: string): Promise<string | null> {
    return this.messages.newestId(room);
  }

  async readAfter(room: string, after: string | null, limit: number): Promise<{ messages: StoredMessage[]; trimmed: boolean }> {
    const read = after === null ? { messages: await this.messages.page(room, {}, limit), trimmed: false } : await this.messages.since(room, after, limit);
    return { messages: await this.presenter.presentAll(read.messages), trimmed: read.trimmed };
  }
}
