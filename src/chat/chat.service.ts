import { Inject, Injectable, Logger } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import type { Connection } from '../common/connection';
import { ROOM_NAME_PATTERN, ServerEvent, StoredMessage } from '../common/contract';
import { ContractError, forbidden, notFound } from '../common/contract-error';
import { AppEvents } from '../events/app-events.service';
import { MetricsService } from '../metrics/metrics.service';
import { Broadcaster } from '../realtime/broadcaster';
import { DirectMessageDto } from './dto/direct-message.dto';
import { EditMessageDto } from '../rooms/dto/message-ref.dto';
import { SendMessageDto } from './dto/send-message.dto';
import { RoomStore, TrimmedMessages } from '../rooms/room-store';
import { AccessPolicy, Author } from '../rooms/access-policy';
import { dmMembersOf, dmRoomOf, isDmRoom } from '../rooms/dm-rooms';
import { parseMentions } from '../rooms/mentions';
import { UserRoomsRepository } from '../rooms/user-rooms.repository';
import { AttachmentService, ServedAttachment } from '../attachments/attachment.service';
import type { StoredAttachment } from '../rooms/message.codec';
import { MessagePresenter } from '../attachments/message-presenter';
import { SearchIndexWriter } from '../search/search-index.writer';
import { audienceOf, removeAttachments } from './message-effects';

/** What a new message carries besides its room and author. */
export type NewMessage = Omit<SendMessageDto, 'room'>;

/**
 * The write path of messages: `message:send`, `dm:send` and the server API's publishing (one way in, `publish`),
 * and `message:edit`. Joining is `MembershipService`'s, reading `MessageQueryService`'s, deleting
 * `MessageRemovalService`'s.
 */
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
    private readonly access: AccessPolicy,
    private readonly userRooms: UserRoomsRepository,
    private readonly events: AppEvents,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly attachments: AttachmentService,
    private readonly searchIndex: SearchIndexWriter,
    private readonly presenter: MessagePresenter,
    private readonly metrics: MetricsService,
  ) {}

  /**
   * A send with attachments waits for their lookups before it is stored, so a connection's later sends queue
   * behind it: a client's messages are stored in the order it sent them. While none is pending, a send goes
   * straight to the store.
   */
  async send(connection: Connection, { room, ...message }: SendMessageDto): Promise<StoredMessage> {
    this.access.requireAccess(connection, 'room.write', room);
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
    for (const [userId, whose] of [
      [from, 'your user id'],
      [to, 'to'],
    ]) {
      if (userId.includes(':')) throw invalidDmPeer(`${whose} holds ":", which a DM room name cannot carry unambiguously`);
    }
    const room = dmRoomOf(from, to);
    if (!ROOM_NAME_PATTERN.test(room))
      throw invalidDmPeer(`${room} is not a valid room name: user ids must be of A-Z a-z 0-9 _ . - and fit in 128 characters together`);
    return this.publish(connection.user, room, { content, clientMsgId }, connection);
  }

  /**
   * The one way in of every new message to a room (`message:send`, `dm:send`, `/ws`, the server API), so that a
   * DM room's rules follow the room whichever door the message came through: only its two users may write in it,
   * and a message there enters both users' rooms and reaches the peer offline. With attachments, they are
   * claimed first (a few round trips), then stored with the message. `origin`, the connection the message came
   * from, already has it in its ack and does not hear it again.
   */
  async publish(author: Author, room: string, { attachments, ...message }: NewMessage, origin?: Connection): Promise<StoredMessage> {
    this.access.requireAccess(author, 'message.author', room);
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
    author: Author,
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
        if (pair)
          this.broadcaster.toRooms(
            pair.map((userId) => this.broadcaster.userAddress(userId)),
            ServerEvent.Message,
            message,
            { exceptConnection: origin?.id, exceptRoom: room },
          );
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

  /**
   * Author only. The room hears `message:edited`; history serves the new content from now on. The mentions are
   * the new content's, parsed as at send; users the edit names for the first time are told as a send tells them.
   */
  async edit(connection: Connection, { room, messageId, content }: EditMessageDto): Promise<StoredMessage> {
    const { user } = connection;
    this.access.requireAccess(user, 'message.edit', room);
    this.assertContentLength(content);
    const mentions = content.includes('@') ? parseMentions(content) : [];
    const result = await this.messages.edit(room, messageId, user.id, content, Date.now(), mentions);
    if (result.status === 'not_found') throw notFound(`message ${messageId}`);
    if (result.status === 'not_author') throw forbidden('only the author may edit a message');
    if (result.status === 'muted') throw mutedError(result.mutedForMs);
    const message = await this.presenter.present(result.message);
    this.broadcaster.toRooms(audienceOf(room, this.broadcaster), ServerEvent.MessageEdited, message, { exceptConnection: connection.id });
    this.searchIndex.reindex(room, message);
    const newlyMentioned = mentions.filter((userId) => !result.previousMentions.includes(userId));
    if (newlyMentioned.length > 0) void this.events.emit('message.addressed', { message, mentioned: newlyMentioned });
    void this.events.emit('message.edited', message);
    return message;
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
    removeAttachments(this.attachments, this.logger, room, trimmed.attachments);
  }

  /** Counted in code points, not UTF-16 units; the cheap bound first since nearly every message passes it. */
  private assertContentLength(content: string): void {
    const max = this.config.messageMaxLength;
    if (content.length <= max) return;
    const length = [...content].length;
    if (length > max) throw new ContractError('payload_too_large', `content is ${length} characters, the limit is ${max}`, { limit: max });
  }
}

/** Pairs remembered by noteAuthored before it starts over: about 10 MB at most. */
const AUTHORED_NOTED_MAX = 100_000;

const SETTLED = Promise.resolve();
const noop = () => undefined;

function mutedError(mutedForMs: number | null): ContractError {
  return new ContractError('muted', 'you are muted in this room', mutedForMs === null ? {} : { until: Date.now() + mutedForMs });
}

function emptyContent(): ContractError {
  const problem = 'content must not be empty unless the message carries attachments';
  return new ContractError('validation_failed', problem, { fields: { content: [problem] } });
}

function withoutUrl({ url: _url, ...stored }: ServedAttachment): StoredAttachment {
  return stored;
}

/** The other user of a DM room its author writes in (the access policy made sure the author is one of the two). */
function dmPeerOf(room: string, authorId: string): string {
  const [a, b] = dmMembersOf(room)!;
  return a === authorId ? b : a;
}

function invalidDmPeer(problem: string): ContractError {
  return new ContractError('validation_failed', `cannot send a direct message: ${problem}`, { fields: { to: [problem] } });
}
