import { Injectable } from '@nestjs/common';
import { AccessRepository } from '../auth/access.repository';
import { SessionService } from '../auth/session.service';
import { ChatService } from '../chat/chat.service';
import { Message, ServerEvent } from '../common/contract';
import { ContractError, forbidden } from '../common/contract-error';
import { PresenceService, UserPresence } from '../presence/presence.service';
import { Broadcaster } from '../realtime/broadcaster';
import { ConnectionDirectory } from '../realtime/connection-directory';
import { NOTIFICATION_DATA_MAX_BYTES, ServerBroadcastDto, ServerMessageDto, SYSTEM_AUTHOR } from './dto/server-bodies.dto';

/**
 * What backend services may do: publish through the very send path of clients (`ChatService.publish`: limits,
 * mutes, dedup, delivery and every send-side effect), notify and disconnect a user's connections wherever
 * they are, and read a user's presence across the cluster.
 */
@Injectable()
export class ServerApiService {
  constructor(
    private readonly chat: ChatService,
    private readonly presence: PresenceService,
    private readonly sessions: SessionService,
    private readonly broadcaster: Broadcaster,
    private readonly connections: ConnectionDirectory,
    private readonly access: AccessRepository,
  ) {}

  async publish(room: string, { userId, name, content, clientMsgId, replyTo }: ServerMessageDto): Promise<Message> {
    const author = userId ?? SYSTEM_AUTHOR;
    await this.assertMayAuthor(author);
    return this.chat.publish({ id: author, name }, room, { content, clientMsgId, replyTo });
  }

  /**
   * The rooms' appends go out together and ride one pipeline (auto-pipelining), not one round trip per room.
   * A refusal in one room fails the request after the others are stored; repeating it with the same
   * `clientMsgId` stores nothing twice.
   */
  async broadcast({ rooms, userId, name, content, clientMsgId }: ServerBroadcastDto): Promise<{ messages: Message[] }> {
    const author = userId ?? SYSTEM_AUTHOR;
    await this.assertMayAuthor(author);
    return { messages: await Promise.all(rooms.map((room) => this.chat.publish({ id: author, name }, room, { content, clientMsgId }))) };
  }

  /** Nothing is stored: the user's connections live now, on every node, are sent it, and counted. */
  async notify(userId: string, type: string, data: unknown): Promise<{ connections: number }> {
    const bytes = Buffer.byteLength(JSON.stringify(data));
    if (bytes > NOTIFICATION_DATA_MAX_BYTES) {
      throw new ContractError('payload_too_large', `data is ${bytes} bytes as JSON, the limit is ${NOTIFICATION_DATA_MAX_BYTES}`, { limit: NOTIFICATION_DATA_MAX_BYTES });
    }
    const connections = await this.connections.connectionsOf(userId);
    if (connections.length > 0) this.broadcaster.toConnections(connections.map(({ id }) => id), ServerEvent.Notification, { type, data, at: Date.now() });
    return { connections: connections.length };
  }

  /**
   * A banned user cannot post through a socket (the ban closes it and refuses new ones), so a service may not post
   * in that user's name either: the ban is a fact about the author, whatever the door.
   */
  private async assertMayAuthor(userId: string): Promise<void> {
    if (await this.access.isBanned(userId)) throw forbidden(`${userId} is banned and may not author messages`);
  }

  presenceOf(userId: string): Promise<UserPresence> {
    return this.presence.userPresence(userId);
  }

  /** Resolves once every node closed the user's connections; the user may connect again at once. */
  disconnect(userId: string): Promise<void> {
    return this.sessions.endUserSessionsWith(userId, 'disconnected', { event: ServerEvent.Session, payload: { reason: 'disconnected' } });
  }
}
