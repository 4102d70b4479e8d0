import { Inject, Injectable, Logger } from '@nestjs/common';
import { AuthUser, isAdmin } from '../common/auth-user';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import type { Connection } from '../common/connection';
import { ROOM_NAME_PATTERN, ServerEvent, StoredMessage } from '../common/contract';
import { ContractError, forbidden, notFound, notJoined } from '../common/contract-error';
import { AppEvents } from '../events/app-events.service';
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
import { RoomStore, TrimmedMessages } from '../rooms/room-store';
import { assertMayJoin, dmMembersOf, dmRoomOf, isDmRoom } from '../rooms/room-access';
import { parseMentions } from '../rooms/mentions';
import { UserRoomsRepository } from '../rooms/user-rooms.repository';
import { AttachmentService, ServedAttachment } from '../attachments/attachment.service';
import type { RoomMessage, StoredAttachment } from '../rooms/message.codec';
import { MessagePresenter } from '../attachments/message-presenter';
import { SearchIndexWriter } from '../search/search-index.writer';
import { LegalHolds } from '../holds/legal-holds.service';
import { HoldSet } from '../holds/legal-hold';

/** Who a new message is by: a connection's user, or whoever a backend service names (`system` by default). */
export type MessageAuthor = Pick<AuthUser, 'id' | 'name'>;

/** What a new message carries besides its room and author. */
export type NewMessage = Omit<SendMessageDto, 'room'>;

export interface JoinResult {
  room: string;
  messages: StoredMessage[];
  /** Who is in the room, the joining user included. */
  presence: PresenceMember[];
  /** The user's read marker in the room (null before the first `receipt:read`). */
  lastReadId: string | null;
  /** Messages by others after the read marker, capped (see UNREAD_COUNT_CAP). */
  unreadCount: number;
  /** With `since`: false when messages after it may be missing (trimmed, or more than `CATCHUP_MAX`). */
  complete?: boolean;
}

@Injectable()
export class ChatService {
  private readonly logger = new Logger(ChatService.name);
  /** `<user>\n<room>` pairs this node recorded in the users' authored rooms, so that each is written once, not per message. */
  private readonly authoredNoted = new Set<string>();
  /** Per connection, the last of its sends queued behind one with attachments, settled either way. */
  private readonly pendingSends = new WeakMap<Connection, Promise<void>>();

  constructor(
    private readonly messages: RoomStore,
    private readonly broadcaster: Broadcaster,
    private readonly presence: PresenceService,
    private readonly receipts: ReceiptService,
    private readonly userRooms: UserRoomsRepository,
    private readonly events: AppEvents,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly attachments: AttachmentService,
    private readonly searchIndex: SearchIndexWriter,
    private readonly presenter: MessagePresenter,
    private readonly metrics: MetricsService,
    private readonly holds: LegalHolds,
  ) {}

  /**
   * Joins before reading, and reads history only up to the node's cursor for the room at the instant of the
   * join: everything after it reaches the connection live, nothing twice and nothing missed. A join whose
   * reads fail is undone, so that a client told `unavailable` is not left receiving the room. The room enters
   * the user's rooms in the same round trip, unless the user holds MAX_ROOMS_PER_USER already.
   */
  async join(connection: Connection, { room, since }: JoinRoomDto): Promise<JoinResult> {
    const { user } = connection;
    assertMayJoin(user, room);
    const wasMember = connection.rooms.has(room);
    const upTo = this.broadcaster.joinRoom(connection, room, since);
    try {
      const [history, presence, readState, isHeld] = await Promise.all([
        upTo.then((cursor): Promise<{ messages: RoomMessage[]; complete?: boolean }> =>
          since
            ? this.messages.since(room, since, this.config.catchupMax, cursor)
            : this.messages.latest(room, HISTORY_PAGE_DEFAULT, cursor).then((messages) => ({ messages })),
        ),
        this.presence.membersAfterJoin(room, user.id),
        this.receipts.readState(room, user.id),
        this.userRooms.hold(user.id, room, this.config.maxRoomsPerUser),
        this.messages.registerRoom(room),
      ]);
      if (!isHeld) throw tooManyRooms(this.config.maxRoomsPerUser);
      return { room, messages: await this.presenter.presentAll(history.messages), presence, ...readState, ...(since ? { complete: history.complete } : {}) };
    } catch (error) {
      if (!wasMember && connection.rooms.has(room)) await connection.leave(room);
      throw error;
    }
  }

  /**
   * Answers once presence reflects the leave, so that a `presence:list` after the ack agrees with it. The room
   * leaves the user's rooms (and inbox) on every connection's behalf: only `room:leave` ends holding a room.
   */
  async leave(connection: Connection, room: string): Promise<{ room: string }> {
    await connection.leave(room);
    await Promise.all([this.presence.whenWritten(room, connection.user.id), this.userRooms.release(connection.user.id, room)]);
    return { room };
  }

  /**
   * A send with attachments waits for their lookups before it is stored, so a connection's later sends queue
   * behind it: a client's messages are stored in the order it sent them. While none is pending, a send goes
   * straight to the store.
   */
  async send(connection: Connection, { room, ...message }: SendMessageDto): Promise<StoredMessage> {
    if (!connection.rooms.has(room)) throw notJoined(room);
    const pending = this.pendingSends.get(connection);
    if (!pending && !message.attachments?.length) return this.publish(connection.user, room, message, connection);
    const sent = (pending ?? SETTLED).then(() => this.publish(connection.user, room, message, connection));
    const settled = sent.then(noop, noop);
    this.pendingSends.set(connection, settled);
    void settled.then(() => this.pendingSends.get(connection) === settled && this.pendingSends.delete(connection));
    return sent;
  }

  /** Stored in the pair's DM room; reaches every connection of both users, whether they joined it or not. */
  async sendDirect(connection: Connection, { to, content, clientMsgId }: DirectMessageDto): Promise<StoredMessage> {
    const from = connection.user.id;
    for (const [userId, whose] of [[from, 'your user id'], [to, 'to']]) {
      if (userId.includes(':')) throw invalidDmPeer(`${whose} holds ":", which a DM room name cannot carry unambiguously`);
    }
    const room = dmRoomOf(from, to);
    if (!ROOM_NAME_PATTERN.test(room)) throw invalidDmPeer(`${room} is not a valid room name: user ids must be of A-Z a-z 0-9 _ . - and fit in 128 characters together`);
    return this.publish(connection.user, room, { content, clientMsgId }, connection);
  }

  /**
   * The one way in of every new message to a room (`message:send`, `dm:send`, `/ws`, the server API), so that a
   * DM room's rules follow the room whichever door the message came through: only its two users may write in it,
   * and a message there enters both users' rooms and reaches the peer offline. With attachments, they are
   * claimed first (a few round trips), then stored with the message. `origin`, the connection the message came
   * from, already has it in its ack and does not hear it again.
   */
  async publish(author: MessageAuthor, room: string, { attachments, ...message }: NewMessage, origin?: Connection): Promise<StoredMessage> {
    const dmPeer = isDmRoom(room) ? dmPeerOf(room, author.id) : undefined;
    if (!attachments?.length) return this.store(author, room, message, [], origin, dmPeer);
    this.assertContentLength(message.content);
    const served = await this.attachments.resolveForMessage(author.id, room, attachments);
    return this.store(author, room, message, served, origin, dmPeer);
  }

  /**
   * The one append path of every new message, DMs included: content length, then mute, dedup, reply target and
   * store in one round trip, then delivery to the room on every node and the send-side effects; a duplicate
   * answers the stored message and repeats none of them. Mentions are parsed here, once, and only in content
   * holding '@'; only a DM or a message with mentions is handed on (not awaited) to offline delivery, so that the
   * rest pays nothing for it. The search index write is queued: SearchIndexWriter gathers a room's writes into one
   * script call after the ack; folded into the send script it would multiply the send's Redis time by about twenty
   * (docs/SEARCH.md).
   */
  private async store(
    author: MessageAuthor,
    room: string,
    { content, clientMsgId, replyTo }: Omit<NewMessage, 'attachments'>,
    attachments: ServedAttachment[] = [],
    origin?: Connection,
    dmPeer?: string,
  ): Promise<StoredMessage> {
    this.assertContentLength(content);
    if (content.length === 0 && attachments.length === 0) throw emptyContent();
    const mentions = content.includes('@') ? parseMentions(content) : undefined;
    if (dmPeer) this.holdDmRoom(room, author.id, dmPeer);
    const result = await this.messages.appendIfNew(
      room,
      { userId: author.id, name: author.name, content, clientMsgId, replyTo, mentions, attachments: attachments.map(withoutUrl) },
      this.config.historyMaxPerRoom,
      this.config.dedupWindowSec,
      { exceptConnection: origin?.id, attachments },
    );
    switch (result.status) {
      case 'stored': {
        this.metrics.messagesStoredIn[isDmRoom(room) ? 'dm' : 'room'].inc();
        const message: StoredMessage = attachments.length > 0 ? { ...result.message, attachments } : (result.message as StoredMessage);
        // the room's members hear it from the room's feed, published by the append script
        const pair = dmMembersOf(room);
        if (pair) this.broadcaster.toRooms(pair.map((userId) => this.broadcaster.userAddress(userId)), ServerEvent.Message, message, { exceptConnection: origin?.id, exceptRoom: room });
        this.searchIndex.index(room, message);
        this.forgetTrimmed(room, result.trimmed);
        this.noteAuthored(author.id, room);
        if (dmPeer || mentions?.length) void this.events.emit('message.addressed', { message, dmPeer });
        void this.events.emit('message.created', message);
        return message;
      }
      case 'duplicate':
        return this.presenter.present(result.message);
      case 'muted':
        throw mutedError(result.mutedForMs);
      case 'reply_target_missing':
        throw notFound(`message ${replyTo}`);
    }
  }

  async history(connection: Connection, { room, ...page }: HistoryQueryDto): Promise<{ messages: StoredMessage[] }> {
    assertMayJoin(connection.user, room);
    return { messages: await this.readMessages(room, page) };
  }

  /** A page of history, oldest first: the latest messages, or those between `after` and `before`. Also for admins over REST. */
  async readMessages(room: string, { before, after, limit }: { before?: string; after?: string; limit?: number }): Promise<StoredMessage[]> {
    const pageSize = limit ?? HISTORY_PAGE_DEFAULT;
    const messages = before || after ? await this.messages.page(room, { before, after }, pageSize) : await this.messages.latest(room, pageSize);
    return this.presenter.presentAll(messages);
  }

  /**
   * Author only. The room hears `message:edited`; history serves the new content from now on. The mentions are
   * the new content's, parsed as at send; users the edit names for the first time are told as a send tells them.
   */
  async edit(connection: Connection, { room, messageId, content }: EditMessageDto): Promise<StoredMessage> {
    const { user } = connection;
    assertMayJoin(user, room);
    this.assertContentLength(content);
    const mentions = content.includes('@') ? parseMentions(content) : [];
    const result = await this.messages.edit(room, messageId, user.id, content, Date.now(), mentions);
    if (result.status === 'not_found') throw notFound(`message ${messageId}`);
    if (result.status === 'not_author') throw forbidden('only the author may edit a message');
    if (result.status === 'muted') throw mutedError(result.mutedForMs);
    const message = await this.presenter.present(result.message);
    this.broadcaster.toRooms(this.audienceOf(room), ServerEvent.MessageEdited, message, { exceptConnection: connection.id });
    this.searchIndex.reindex(room, message);
    const newlyMentioned = mentions.filter((userId) => !result.previousMentions.includes(userId));
    if (newlyMentioned.length > 0) void this.events.emit('message.addressed', { message, mentioned: newlyMentioned });
    void this.events.emit('message.edited', message);
    return message;
  }

  /** An admin may delete in any room, DM rooms included (moderation), though not join a DM room. */
  async deleteFromConnection(connection: Connection, { room, messageId }: MessageRefDto): Promise<{ room: string; messageId: string }> {
    if (!isAdmin(connection.user)) assertMayJoin(connection.user, room);
    await this.deleteMessage(room, messageId, connection.user, connection);
    return { room, messageId };
  }

  /**
   * By its author, or by an admin (also over REST). The room hears `message:deleted`; history stops serving it.
   * `origin`, when the request came from a connection, does not hear its own deletion. A message under a legal
   * hold is hidden the same way but archived, with its attachments, for export (docs/COMPLIANCE.md).
   */
  async deleteMessage(room: string, messageId: string, by: AuthUser, origin?: Connection): Promise<void> {
    await this.remove(room, messageId, by.id, isAdmin(by), await this.holds.current(), origin);
  }

  /**
   * Retention: a message past its room's age goes as an admin's deletion would (`by: "retention"`), with its
   * reactions, thread link, attachments and index entries. The sweeper skips held messages and passes the holds it
   * read once for its whole batch.
   */
  async expire(room: string, messageId: string, holds: HoldSet): Promise<void> {
    await this.remove(room, messageId, RETENTION_ACTOR, true, holds);
  }

  private async remove(room: string, messageId: string, by: string, mayDeleteAny: boolean, holds: HoldSet, origin?: Connection): Promise<void> {
    const result = await this.messages.delete(room, messageId, by, mayDeleteAny, { isRoomHeld: holds.isRoomHeld(room), heldUsers: holds.heldUsers() });
    if (result.status === 'not_found') throw notFound(`message ${messageId}`);
    if (result.status === 'not_allowed') throw forbidden('only the author or an admin may delete a message');
    if (result.isArchived) await this.holds.noteHeldDeletions(room);
    const deletion = { room, messageId, by };
    this.broadcaster.toRooms(this.audienceOf(room), ServerEvent.MessageDeleted, deletion, { exceptConnection: origin?.id });
    this.searchIndex.unindex(room, [messageId]);
    if (result.isArchived) await this.attachments.keepForHold(room, result.attachments.map((attachment) => attachment.id));
    else this.removeAttachments(room, result.attachments);
    void this.events.emit('message.deleted', deletion);
  }

  /** A DM room's messages reach both users' every connection, joined or not; other rooms reach their members. */
  private audienceOf(room: string): string[] {
    const pair = dmMembersOf(room);
    return pair ? [room, this.broadcaster.userAddress(pair[0]), this.broadcaster.userAddress(pair[1])] : [room];
  }

  /**
   * Not awaited, and issued in the same tick as the append, so that auto-pipelining sends both in one round
   * trip. A user at MAX_ROOMS_PER_USER still gets the DM live; it only stays out of that user's inbox.
   */
  private holdDmRoom(room: string, from: string, to: string): void {
    for (const userId of from === to ? [from] : [from, to]) {
      this.userRooms
        .hold(userId, room, this.config.maxRoomsPerUser)
        .then((isHeld) => isHeld || this.logger.warn(`DM room ${room} not added to the rooms of ${userId}: at MAX_ROOMS_PER_USER`))
        .catch((error: Error) => this.logger.warn(`DM room ${room} not added to the rooms of ${userId}: ${error.message}`));
    }
  }

  /**
   * The rooms a user wrote in, for export and erasure (docs/COMPLIANCE.md). Once per user and room on this node:
   * the first message of a pair costs one command, issued in the append's tick, later ones nothing. A failed write
   * is forgotten here so that the next message tries again.
   */
  private noteAuthored(userId: string, room: string): void {
    const pair = `${userId}\n${room}`;
    if (this.authoredNoted.has(pair)) return;
    if (this.authoredNoted.size >= AUTHORED_NOTED_MAX) this.authoredNoted.clear();
    this.authoredNoted.add(pair);
    this.userRooms.noteAuthored(userId, room).catch((error: Error) => {
      this.authoredNoted.delete(pair);
      this.logger.warn(`room ${room} not recorded among the rooms ${userId} wrote in: ${error.message}`);
    });
  }

  /**
   * Not awaited: the send is stored and answered; a failure here leaves only unreachable keys behind (an index
   * entry of a trimmed message finds no message and is dropped from results).
   */
  private forgetTrimmed(room: string, trimmed: TrimmedMessages): void {
    if (trimmed.withReactions.length > 0) {
      this.messages
        .forgetReactions(room, trimmed.withReactions)
        .catch((error: Error) => this.logger.warn(`state of trimmed messages in ${room} not removed: ${error.message}`));
    }
    this.searchIndex.unindex(room, trimmed.ids);
    this.removeAttachments(room, trimmed.attachments);
  }

  private removeAttachments(room: string, attachments: StoredAttachment[]): void {
    if (attachments.length === 0) return;
    this.attachments
      .remove(room, attachments.map((attachment) => attachment.id))
      .catch((error: Error) => this.logger.warn(`attachments of removed messages in ${room} not removed: ${error.message}`));
  }

  /** Counted in code points, not UTF-16 units; the cheap bound first since nearly every message passes it. */
  private assertContentLength(content: string): void {
    const max = this.config.messageMaxLength;
    if (content.length <= max) return;
    const length = [...content].length;
    if (length > max) throw new ContractError('payload_too_large', `content is ${length} characters, the limit is ${max}`, { limit: max });
  }
}

/** Who deletes what retention removes, as `message:deleted` and the webhook event name it. */
export const RETENTION_ACTOR = 'retention';
/** Pairs remembered by noteAuthored before it starts over: about 10 MB at most. */
const AUTHORED_NOTED_MAX = 100_000;

const SETTLED = Promise.resolve();
const noop = () => undefined;

function mutedError(mutedForMs: number | null): ContractError {
  return new ContractError('muted', 'you are muted in this room', mutedForMs === null ? {} : { until: Date.now() + mutedForMs });
}

function tooManyRooms(limit: number): ContractError {
  return new ContractError('forbidden', `you hold ${limit} rooms, the most allowed: leave one first`, { limit });
}

function emptyContent(): ContractError {
  const problem = 'content must not be empty unless the message carries attachments';
  return new ContractError('validation_failed', problem, { fields: { content: [problem] } });
}

function withoutUrl({ url: _url, ...stored }: ServedAttachment): StoredAttachment {
  return stored;
}

/**
 * The other user of a DM room its author writes in. A service naming any author, or a name `dmRoomOf` does not
 * make, is refused: a DM room is its two users' alone, whoever holds the credentials.
 */
function dmPeerOf(room: string, authorId: string): string {
  const pair = dmMembersOf(room);
  if (!pair?.includes(authorId)) throw forbidden(`only the two users of a DM room may write in it, and ${authorId} is not one of ${room}`);
  return pair[0] === authorId ? pair[1] : pair[0];
}

function invalidDmPeer(problem: string): ContractError {
  return new ContractError('validation_failed', `cannot send a direct message: ${problem}`, { fields: { to: [problem] } });
}
