import { Injectable } from '@nestjs/common';
import { MessagePresenter } from '../attachments/message-presenter';
import { InboxRoom } from '../common/contract';
import { UNREAD_COUNT_CAP } from '../receipts/receipt.service';
import { UserRoomsRepository } from '../rooms/user-rooms.repository';
import { compareStreamIds } from '../redis/stream-ids';
import { InboxRepository } from './inbox.repository';

/**
 * A user's rooms with their unread counts (messages by others after the read marker, capped like a join's),
 * newest message and read marker. Bounded by MAX_ROOMS_PER_USER: one read of the room set, then one
 * pipelined round trip per page of rooms.
 */
@Injectable()
export class InboxService {
  constructor(
    private readonly userRooms: UserRoomsRepository,
    private readonly inbox: InboxRepository,
    private readonly presenter: MessagePresenter,
  ) {}

  /** Rooms with the newest message first; rooms without messages last, by name. */
  async list(userId: string): Promise<{ rooms: InboxRoom[] }> {
    const held = await this.userRooms.roomsOf(userId);
    const entries = await this.inbox.inboxEntries(held, userId, UNREAD_COUNT_CAP);
    const rooms = await Promise.all(
      entries.map(async ({ room, unreadCount, lastMessage, lastReadId }) => ({
        room,
        unreadCount,
        lastMessage: lastMessage && (await this.presenter.present(lastMessage)),
        lastReadId,
      })),
    );
    return { rooms: rooms.sort(byNewestActivity) };
  }
}

/** Stream ids of different rooms compare by time first: the ids' first part is Redis's clock at XADD. */
function byNewestActivity(a: InboxRoom, b: InboxRoom): number {
  if (a.lastMessage && b.lastMessage) return compareStreamIds(b.lastMessage.id, a.lastMessage.id);
  if (a.lastMessage || b.lastMessage) return a.lastMessage ? -1 : 1;
  return a.room < b.room ? -1 : a.room > b.room ? 1 : 0;
}
