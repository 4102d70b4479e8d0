import { Injectable } from '@nestjs/common';
import type { Connection } from '../common/connection';
import { ROOM_NAME_PATTERN, StoredMessage } from '../common/contract';
import { notFound } from '../common/contract-error';
import { HISTORY_PAGE_DEFAULT } from '../common/validation-patterns';
import { assertMayJoin, mayJoin } from '../rooms/room-access';
import { RoomStore } from '../rooms/room-store';
import { UserRoomsRepository } from '../rooms/user-rooms.repository';
import { SearchService } from '../search/search.service';
import { RepliesQueryDto } from './dto/replies.dto';
import { SEARCH_PAGE_DEFAULT, SearchQueryDto } from './dto/search.dto';
import { MessagePresenter } from '../attachments/message-presenter';

/** Reading messages other than by history: a thread's replies, and full-text search. Both need only the right to read. */
@Injectable()
export class MessageQueryService {
  constructor(
    private readonly messages: RoomStore,
    private readonly search: SearchService,
    private readonly presenter: MessagePresenter,
    private readonly userRooms: UserRoomsRepository,
  ) {}

  async replies(connection: Connection, { room, messageId, after, limit }: RepliesQueryDto): Promise<{ messages: StoredMessage[] }> {
    assertMayJoin(connection.user, room);
    const replies = await this.messages.replies(room, messageId, after, limit ?? HISTORY_PAGE_DEFAULT);
    if (!replies) throw notFound(`message ${messageId}`);
    return { messages: await this.presenter.presentAll(replies) };
  }

  /**
   * Best matches first. A hit whose message is gone meanwhile (deleted or trimmed while its unindex was on its
   * way) is left out, so a page may hold fewer than `limit` messages.
   */
  async find(connection: Connection, { query, room, limit }: SearchQueryDto): Promise<{ messages: StoredMessage[] }> {
    if (room) assertMayJoin(connection.user, room);
    const rooms = room ? [room] : await this.searchableRoomsOf(connection);
    const hits = await this.search.search(query, rooms, limit ?? SEARCH_PAGE_DEFAULT);
    const found = await Promise.all(hits.map(({ room: hitRoom, messageId }) => this.messages.findById(hitRoom, messageId)));
    return { messages: await this.presenter.presentAll(found.filter((message) => message !== undefined)) };
  }

  /**
   * All of the user's rooms: the persisted set (joined on any connection until left, and DM rooms), filtered by
   * what the current token may read, since a refreshed token may have narrowed its grants.
   */
  private async searchableRoomsOf(connection: Connection): Promise<string[]> {
    const held = await this.userRooms.roomsOf(connection.user.id);
    return held.filter((room) => ROOM_NAME_PATTERN.test(room) && mayJoin(connection.user, room));
  }
}
