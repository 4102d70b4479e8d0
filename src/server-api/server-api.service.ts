import { Injectable } from '@nestjs/common';
import { AccessRepository } from '../auth/access.repository';
import { SessionService } from '../auth/session.service';
import { ChatService } from '../chat/chat.service';
import { Message, ServerEvent } from '../common/contract';
import type { Transport } from '../common/connection';
import { ContractError } from '../common/contract-error';
import { Broadcaster } from '../realtime/broadcaster';
import { ConnectionDirectory } from '../realtime/connection-directory';
import type { NamedAuthor } from '../rooms/access-policy';
import { OnlineUsers } from '../throttling/online-users';
import { NOTIFICATION_DATA_MAX_BYTES, ServerBroadcastDto, ServerMessageDto, SYSTEM_AUTHOR } from './dto/server-bodies.dto';

export interface UserPresence {
  userId: string;
  online: boolean;
  connections: { nodeId: string; connectedAt: number; transport: Transport }[];
}

/**
 * What backend services may do: publish through the very send path of clients (`ChatService.publish`: limits,
 * mutes, dedup, delivery and every send-side effect), notify and disconnect a user's connections wherever
 * they are, and read a user's presence across the cluster.
 */
@Injectable()
export class ServerApiService {
  constructor(
    private readonly chat: ChatService,
    private readonly online: OnlineUsers,
    private readonly sessions: SessionService,
    private readonly broadcaster: Broadcaster,
    private readonly connections: ConnectionDirectory,
    private readonly access: AccessRepository,
  ) {}

  async publish(room: string, { userId, name, content, clientMsgId, replyTo }: ServerMessageDto): Promise<Message> {
    return this.chat.publish(await this.authorNamed(userId ?? SYSTEM_AUTHOR, name), room, { content, clientMsgId, replyTo });
  }

  /**
   * The rooms' appends go out together and ride one pipeline (auto-pipelining), not one round trip per room.
   * A refusal in one room fails the request after the others are stored; repeating it with the same
   * `clientMsgId` stores nothing twice.
   */
  async broadcast({ rooms, userId, name, content, clientMsgId }: ServerBroadcastDto): Promise<{ messages: Message[] }> {
    const author = await this.authorNamed(userId ?? SYSTEM_AUTHOR, name);
    return { messages: await Promise.all(rooms.map((room) => this.chat.publish(author, room, { content, clientMsgId }))) };
  }

  /** Nothing is stored: the user's connections live now, on every node, are sent it, and counted. */
  async notify(userId: string, type: string, data: unknown): Promise<{ connections: number }> {
    const bytes = Buffer.byteLength(JSON.stringify(data));
    if (bytes > NOTIFICATION_DATA_MAX_BYTES) {
      throw new ContractError('payload_too_large', `data is ${bytes} bytes as JSON, the limit is ${NOTIFICATION_DATA_MAX_BYTES}`, {
        limit: NOTIFICATION_DATA_MAX_BYTES,
      });
    }
    const connections = await this.connections.connectionsOf(userId);
    if (connections.length > 0)
      this.broadcaster.toConnections(
        connections.map(({ id }) => id),
        ServerEvent.Notification,
        { type, data, at: Date.now() },
      );
    return { connections: connections.length };
  }

  /**
   * The author a service names, with the one fact about them no connection vouches for here: a banned user cannot
   * post through a socket (the ban closes it and refuses new ones), and the access policy refuses the ban whatever
   * the door.
   */
  private async authorNamed(id: string, name: string | undefined): Promise<NamedAuthor> {
    return { id, name, isBanned: await this.access.isBanned(id) };
  }

  /**
   * `online` is the cluster's one answer (`OnlineUsers`, what offline delivery goes by); `connections` are asked of
   * the nodes themselves, so a node that died (even SIGKILLed) lists none, while its leases count until they lapse.
   */
  async presenceOf(userId: string): Promise<UserPresence> {
    const [[online], connections] = await Promise.all([this.online.areOnline([userId]), this.connections.connectionsOf(userId)]);
    return { userId, online, connections: connections.map(({ nodeId, connectedAt, transport }) => ({ nodeId, connectedAt, transport })) };
  }

  /** Resolves once every node closed the user's connections; the user may connect again at once. */
  disconnect(userId: string): Promise<void> {
    return this.sessions.endUserSessionsWith(userId, 'disconnected', { event: ServerEvent.Session, payload: { reason: 'disconnected' } });
  }
}
