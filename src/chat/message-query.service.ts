import { Injectable } from '@nestjs/common';
import type { Connection } from '../common/connection';
import { ROOM_NAME_PATTERN, StoredMessage } from '../common/contract';
import { notFound } from '../common/contract-error';
import { HISTORY_PAGE_DEFAULT } from '../common/validation-patterns';
import { AccessPolicy } from '../rooms/access-policy';
import { RoomStore } from '../rooms/room-store';
import { UserRoomsRepository } from '../rooms/user-rooms.repository';
import { SearchRateLimit, SearchService } from '../search/search.service';
import { HistoryQueryDto } from './dto/history.dto';
import { RepliesQueryDto } from './dto/replies.dto';
import { SEARCH_PAGE_DEFAULT, SearchQueryDto } from './dto/search.dto';
import { MessagePresenter } from '../attachments/message-presenter';

/** Rooms one search without `room` covers: the user's most recently active (the contract's bound). */
export const SEARCH_MAX_ROOMS = 50;

export interface SearchAnswer {
  messages: StoredMessage[];
  /** Set when not every room the user may read was searched, or a room's walk hit its bound. */
  partial?: true;
}

/** Reading messages: history, a thread's replies, and full-text search. Each needs only the right to read the room. */
@Injectable()
export class MessageQueryService {
  constructor(
    private readonly messages: RoomStore,
    private readonly search: SearchService,
    private readonly presenter: MessagePresenter,
    private readonly userRooms: UserRoomsRepository,
    private readonly searchRate: SearchRateLimit,
    private readonly access: AccessPolicy,
  ) {}

  async history(connection: Connection, { room, ...page }: HistoryQueryDto): Promise<{ messages: StoredMessage[] }> {
    this.access.requireAccess(connection.user, 'room.read', room);
    return { messages: await this.readMessages(room, page) };
  }

  /** A page of history, oldest first: the latest messages, or those between `after` and `before`. Also for admins over REST. */
  async readMessages(room: string, { before, after, limit }: { before?: string; after?: string; limit?: number }): Promise<StoredMessage[]> {
    const pageSize = limit ?? HISTORY_PAGE_DEFAULT;
    const messages = before || after ? await this.messages.page(room, { before, after }, pageSize) : await this.messages.latest(room, pageSize);
    return this.presenter.presentAll(messages);
  }

  async replies(connection: Connection, { room, messageId, after, limit }: RepliesQueryDto): Promise<{ messages: StoredMessage[] }> {
    this.access.requireAccess(connection.user, 'room.read', room);
    const replies = await this.messages.replies(room, messageId, after, limit ?? HISTORY_PAGE_DEFAULT);
    if (!replies) throw notFound(`message ${messageId}`);
    return { messages: await this.presenter.presentAll(replies) };
  }

  /**
   * Best matches first. A hit whose message is gone meanwhile (deleted or trimmed while its unindex was on its
   * way) is left out, so a page may hold fewer than `limit` messages. The rate is checked first: a refused search
   * costs nothing more.
   */
  async find(connection: Connection, { query, room, limit }: SearchQueryDto): Promise<SearchAnswer> {
    if (room) this.access.requireAccess(connection.user, 'room.read', room);
    await this.searchRate.assertWithinRate(connection.user.id);
    const scope = room ? { rooms: [room], isPartial: false } : await this.searchableRoomsOf(connection);
    const { hits, isPartial } = await this.search.search(query, scope.rooms, limit ?? SEARCH_PAGE_DEFAULT);
    const found = await Promise.all(hits.map(({ room: hitRoom, messageId }) => this.messages.findById(hitRoom, messageId)));
    const messages = await this.presenter.presentAll(found.filter((message) => message !== undefined));
    return scope.isPartial || isPartial ? { messages, partial: true } : { messages };
  }

  /**
   * The user's rooms: the persisted set (joined on any connection until left, and DM rooms), filtered by what the
   * current token may read, since a refreshed token may have narrowed its grants; beyond SEARCH_MAX_ROOMS, the
   * ones with the newest messages (a pipelined read of each room's newest id; empty rooms come last).
   */
  private async searchableRoomsOf(connection: Connection): Promise<{ rooms: string[]; isPartial: boolean }> {
    const held = await this.userRooms.roomsOf(connection.user.id);
    const readable = held.filter((room) => ROOM_NAME_PATTERN.test(room) && this.access.hasAccess(connection.user, 'room.read', room));
    if (readable.length <= SEARCH_MAX_ROOMS) return { rooms: readable, isPartial: false };
    const newest = await this.messages.lastMessageTimes(readable);
    const byActivity = readable.map((room, i) => ({ room, at: newest[i] ?? -1 })).sort((a, b) => b.at - a.at);
    return { rooms: byActivity.slice(0, SEARCH_MAX_ROOMS).map(({ room }) => room), isPartial: true };
  }
}
