import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { REDIS_COMMANDS } from '../redis/redis.tokens';
import { roomKeys } from '../rooms/keys';
import { decodeMessage, RoomMessage, withOverlays } from '../rooms/message.codec';
import { inboxScripts } from './inbox.scripts';

export interface InboxEntry {
  room: string;
  lastReadId: string | null;
  unreadCount: number;
  lastMessage: RoomMessage | null;
}

/** Rooms read per pipelined round trip of `inboxEntries`: bounds one batch's size on the Redis side. */
const INBOX_PAGE_SIZE = 100;

/** A user's inbox lines, read from the room keys (`roomKeys`) by the inbox's own script. */
@Injectable()
export class InboxRepository {
  constructor(@Inject(REDIS_COMMANDS) private readonly redis: Redis) {}

  /**
   * Each room's read state for the user and its newest message, a page of rooms per round trip: the page's
   * scripts are issued together and auto-pipelining sends them as one batch.
   */
  async inboxEntries(rooms: string[], userId: string, unreadCap: number): Promise<InboxEntry[]> {
    const entries: InboxEntry[] = [];
    for (let start = 0; start < rooms.length; start += INBOX_PAGE_SIZE) {
      const page = rooms.slice(start, start + INBOX_PAGE_SIZE);
      const lines = await Promise.all(
        page.map((room) =>
          inboxScripts.inboxEntry.run(
            this.redis,
            [roomKeys.lastRead(room), roomKeys.messages(room), roomKeys.edits(room), roomKeys.reactionCounts(room)],
            [userId, unreadCap],
          ),
        ),
      );
      lines.forEach(({ lastReadId, unreadCount, newest }, i) => {
        const room = page[i];
        const lastMessage = newest ? withOverlays(decodeMessage(room, newest.entry[0], newest.entry[1]), newest.edit, newest.reactions) : null;
        entries.push({ room, lastReadId, unreadCount, lastMessage });
      });
    }
    return entries;
  }
}
