import { Inject, Injectable, Logger } from '@nestjs/common';
import { AuthUser, isAdmin } from '../common/auth-user';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import type { Connection } from '../common/connection';
import { Message, ROOM_NAME_PATTERN, ServerEvent } from '../common/contract';
import { ContractError, forbidden, notFound, notJoined } from '../common/contract-error';
import { MetricsService } from '../metrics/metrics.service';
import { PresenceMember } from '../presence/presence.repository';
import { PresenceService } from '../presence/presence.service';
import { Broadcaster } from '../realtime/broadcaster';
import { ReceiptService } from '../receipts/receipt.service';
import { DirectMessageDto } from './dto/direct-message.dto';
import { EditMessageDto, MessageRefDto } from '../rooms/dto/message-ref.dto';
import { HISTORY_PAGE_DEFAULT } from '../common/validation-patterns';
import { HistoryQueryDto } from './dto/history.dto';
import { JoinRoomDto } from './dto/join-room.dto';
import { SendMessageDto } from './dto/send-message.dto';
import { RoomStore } from '../rooms/room-store';
import { assertMayJoin, dmMembersOf, dmRoomOf } from '../rooms/room-access';

export interface JoinResult {
  room: string;
  messages: Message[];
  /** Who is in the room, the joining user included. */
  presence: PresenceMember[];
  /** The user's read marker in the room (null before the first `receipt:read`). */
  lastReadId: string | null;
  /** Messages by others after the read marker, capped (see UNREAD_COUNT_CAP). */
  unreadCount: number;
  /** With `since`: false when messages after it may be missing (trimmed, or more than the history limit). */
  complete?: boolean;
}

@Injectable()
export class ChatService {
  private readonly logger = new Logger(ChatService.name);

  constructor(
    private readonly messages: RoomStore,
    private readonly broadcaster: Broadcaster,
    private readonly presence: PresenceService,
    private readonly receipts: ReceiptService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: MetricsService,
  ) {}

  /**
   * Joins before reading, so that nothing sent meanwhile falls between history and live delivery; a join
   * whose reads fail is undone, so that a client told `unavailable` is not left receiving the room.
   */
  async join(connection: Connection, { room, since }: JoinRoomDto): Promise<JoinResult> {
    const { user } = connection;
    assertMayJoin(user, room);
    const wasMember = connection.rooms.has(room);
    await connection.join(room);
    try {
      const [history, presence, readState] = await Promise.all([
        since
          ? this.messages.since(room, since, this.config.historyMaxPerRoom)
          : this.messages.latest(room, HISTORY_PAGE_DEFAULT).then((messages) => ({ messages, complete: undefined })),
        this.presence.membersAfterJoin(room, user.id),
        this.receipts.readState(room, user.id),
        this.messages.registerRoom(room),
      ]);
      return { room, messages: history.messages, presence, ...readState, ...(since ? { complete: history.complete } : {}) };
    } catch (error) {
      if (!wasMember) await connection.leave(room);
      throw error;
    }
  }

  /** Answers once presence reflects the leave, so that a `presence:list` after the ack agrees with it. */
  async leave(connection: Connection, room: string): Promise<{ room: string }> {
    await connection.leave(room);
    await this.presence.whenWritten(room, connection.user.id);
    return { room };
  }

  async send(connection: Connection, { room, content, clientMsgId, replyTo }: SendMessageDto): Promise<Message> {
    if (!connection.rooms.has(room)) throw notJoined(room);
    return this.store(connection, room, { content, clientMsgId, replyTo });
  }

  /** Stored in the pair's DM room; reaches every connection of both users, whether they joined it or not. */
  async sendDirect(connection: Connection, { to, content, clientMsgId }: DirectMessageDto): Promise<Message> {
    const from = connection.user.id;
    for (const [userId, whose] of [[from, 'your user id'], [to, 'to']]) {
      if (userId.includes(':')) throw invalidDmPeer(`${whose} holds ":", which a DM room name cannot carry unambiguously`);
    }
    const room = dmRoomOf(from, to);
    if (!ROOM_NAME_PATTERN.test(room)) throw invalidDmPeer(`${room} is not a valid room name: user ids must be of A-Z a-z 0-9 _ . - and fit in 128 characters together`);
    return this.store(connection, room, { content, clientMsgId });
  }

  /** The one append path of message:send and dm:send: mute check, dedup and store in one round trip. */
  private async store(connection: Connection, room: string, { content, clientMsgId, replyTo }: Omit<SendMessageDto, 'room'>): Promise<Message> {
    this.assertContentLength(content);
    const { user } = connection;
    const result = await this.messages.appendIfNew(
      room,
      { userId: user.id, name: user.name, content, clientMsgId, replyTo },
      this.config.historyMaxPerRoom,
      this.config.dedupWindowSec,
    );
    switch (result.status) {
      case 'stored':
        this.metrics.messagesStoredIn[dmMembersOf(room) ? 'dm' : 'room'].inc();
        this.broadcaster.toRooms(this.audienceOf(room), ServerEvent.Message, result.message, { exceptConnection: connection.id });
        if (result.trimmedWithReactions.length > 0) this.forgetTrimmed(room, result.trimmedWithReactions);
        return result.message;
      case 'duplicate':
        return result.message;
      case 'muted':
        throw mutedError(result.mutedForMs);
      case 'reply_target_missing':
        throw notFound(`message ${replyTo}`);
    }
  }

  async history(connection: Connection, { room, ...page }: HistoryQueryDto): Promise<{ messages: Message[] }> {
    assertMayJoin(connection.user, room);
    return { messages: await this.readMessages(room, page) };
  }

  /** A page of history, oldest first: the latest messages, or those between `after` and `before`. Also for admins over REST. */
  readMessages(room: string, { before, after, limit }: { before?: string; after?: string; limit?: number }): Promise<Message[]> {
    const pageSize = limit ?? HISTORY_PAGE_DEFAULT;
    return before || after ? this.messages.page(room, { before, after }, pageSize) : this.messages.latest(room, pageSize);
  }

  /** Author only. The room hears `message:edited`; history serves the new content from now on. */
  async edit(connection: Connection, { room, messageId, content }: EditMessageDto): Promise<Message> {
    const { user } = connection;
    assertMayJoin(user, room);
    this.assertContentLength(content);
    const result = await this.messages.edit(room, messageId, user.id, content, Date.now());
    if (result.status === 'not_found') throw notFound(`message ${messageId}`);
    if (result.status === 'not_author') throw forbidden('only the author may edit a message');
    if (result.status === 'muted') throw mutedError(result.mutedForMs);
    this.broadcaster.toRooms(this.audienceOf(room), ServerEvent.MessageEdited, result.message, { exceptConnection: connection.id });
    return result.message;
  }

  /** An admin may delete in any room, DM rooms included (moderation), though not join a DM room. */
  async deleteFromConnection(connection: Connection, { room, messageId }: MessageRefDto): Promise<{ room: string; messageId: string }> {
    if (!isAdmin(connection.user)) assertMayJoin(connection.user, room);
    await this.deleteMessage(room, messageId, connection.user, connection);
    return { room, messageId };
  }

  /**
   * By its author, or by an admin (also over REST). The room hears `message:deleted`; history stops serving
   * it. `origin`, when the request came from a connection, does not hear its own deletion.
   */
  async deleteMessage(room: string, messageId: string, by: AuthUser, origin?: Connection): Promise<void> {
    const result = await this.messages.delete(room, messageId, by.id, isAdmin(by));
    if (result === 'not_found') throw notFound(`message ${messageId}`);
    if (result === 'not_allowed') throw forbidden('only the author or an admin may delete a message');
    this.broadcaster.toRooms(this.audienceOf(room), ServerEvent.MessageDeleted, { room, messageId, by: by.id }, { exceptConnection: origin?.id });
  }

  /** A DM room's messages reach both users' every connection, joined or not; other rooms reach their members. */
  private audienceOf(room: string): string[] {
    const pair = dmMembersOf(room);
    return pair ? [room, this.broadcaster.userAddress(pair[0]), this.broadcaster.userAddress(pair[1])] : [room];
  }

  /** Not awaited: the send is stored and answered; a failure here leaves only unreachable keys behind. */
  private forgetTrimmed(room: string, messageIds: string[]): void {
    this.messages
      .forgetReactions(room, messageIds)
      .catch((error: Error) => this.logger.warn(`state of trimmed messages in ${room} not removed: ${error.message}`));
  }

  /** Counted in code points, not UTF-16 units; the cheap bound first since nearly every message passes it. */
  private assertContentLength(content: string): void {
    const max = this.config.messageMaxLength;
    if (content.length <= max) return;
    const length = [...content].length;
    if (length > max) throw new ContractError('payload_too_large', `content is ${length} characters, the limit is ${max}`, { limit: max });
  }
}

function mutedError(mutedForMs: number | null): ContractError {
  return new ContractError('muted', 'you are muted in this room', mutedForMs === null ? {} : { until: Date.now() + mutedForMs });
}

function invalidDmPeer(problem: string): ContractError {
  return new ContractError('validation_failed', `cannot send a direct message: ${problem}`, { fields: { to: [problem] } });
}
