import { Injectable, OnModuleInit } from '@nestjs/common';
import { AccessRepository } from '../auth/access.repository';
import { AuthUser } from '../auth/auth-user';
import { SessionService } from '../auth/session.service';
import { SocketAuthenticator } from '../auth/socket-authenticator';
import { ChatService } from '../chat/chat.service';
import type { ChatSocketData } from '../common/chat-socket';
import { Message, ModerationNotice, ServerEvent } from '../common/contract';
import { ContractError, notFound } from '../common/contract-error';
import { userChannel } from '../common/socket-channels';
import { ChatNamespace } from '../realtime/chat-namespace';
import { ModerationRepository } from './moderation.repository';

export interface RoomSummary {
  room: string;
  online: number;
  lastMessageAt: number | null;
}

export interface PresenceUser {
  userId: string;
  name?: string;
  connections: number;
}

/**
 * What admins may do to rooms and users, enforced on every node through the Socket.IO adapter: its
 * `fetchSockets`, `socketsLeave` and broadcasts reach every node, and a ban or revocation travels as the
 * session service's cross-node order. Bans, mutes and revocations are Redis state, so a node that starts
 * later enforces them too.
 *
 * A user is known once one of their tokens passed a socket handshake: there is no user directory, and
 * moderating an id nobody ever connected with is more likely a typo than an intention (404).
 */
@Injectable()
export class ModerationService implements OnModuleInit {
  constructor(
    private readonly repository: ModerationRepository,
    private readonly chat: ChatService,
    private readonly access: AccessRepository,
    private readonly sessions: SessionService,
    private readonly authenticator: SocketAuthenticator,
    private readonly namespace: ChatNamespace,
  ) {}

  onModuleInit(): void {
    this.authenticator.addCheck('afterToken', (socket) => this.repository.rememberUser(socket.data.user.id));
  }

  /** Every room ever joined, by name, with the distinct users connected in it now. */
  async listRooms(): Promise<RoomSummary[]> {
    const [rooms, sockets] = await Promise.all([this.repository.rooms(), this.namespace.server.fetchSockets()]);
    const lastMessageAt = await this.repository.lastMessageTimes(rooms);
    const usersByRoom = new Map<string, Set<string>>();
    for (const socket of sockets) {
      const userId = (socket.data as ChatSocketData).user.id;
      for (const room of socket.rooms) {
        const users = usersByRoom.get(room) ?? new Set<string>();
        usersByRoom.set(room, users.add(userId));
      }
    }
    return rooms.map((room, i) => ({ room, online: usersByRoom.get(room)?.size ?? 0, lastMessageAt: lastMessageAt[i] }));
  }

  async presence(room: string): Promise<{ users: PresenceUser[] }> {
    await this.assertKnownRoom(room);
    const users = new Map<string, PresenceUser>();
    for (const socket of await this.namespace.server.in(room).fetchSockets()) {
      const { id, name } = (socket.data as ChatSocketData).user;
      const entry = users.get(id) ?? { userId: id, ...(name === undefined ? {} : { name }), connections: 0 };
      entry.connections += 1;
      users.set(id, entry);
    }
    return { users: [...users.values()] };
  }

  async messages(room: string, page: { before?: string; after?: string; limit?: number }): Promise<{ messages: Message[] }> {
    await this.assertKnownRoom(room);
    return { messages: await this.chat.readMessages(room, page) };
  }

  async deleteMessage(room: string, messageId: string, admin: AuthUser): Promise<void> {
    await this.assertKnownRoom(room);
    await this.chat.deleteMessage(room, messageId, admin);
  }

  /**
   * Tells the user's sockets in the room why, then takes them out of it on every node. Resolves once every
   * node has applied the leave (its answer to a later request on the same ordered channel proves it), so that
   * nothing sent after the response reaches them. They may join again: a kick is not a ban.
   */
  async kick(room: string, userId: string, reason: string | undefined): Promise<void> {
    await Promise.all([this.assertKnownRoom(room), this.assertKnownUser(userId)]);
    const server = this.namespace.server;
    const userSockets = server.in(userChannel(userId));
    const inRoom = (await userSockets.fetchSockets()).filter((socket) => socket.rooms.has(room)).map((socket) => socket.id);
    if (inRoom.length === 0) return;
    server.to(inRoom).emit(ServerEvent.Moderation, notice({ action: 'kicked', room, reason }));
    userSockets.socketsLeave(room);
    await userSockets.fetchSockets();
  }

  /** `message:send` answers `muted` until the key lapses or is lifted: the send script checks it, on any node. */
  async mute(room: string, userId: string, durationSec: number, reason: string | undefined, admin: AuthUser): Promise<void> {
    await Promise.all([this.assertKnownRoom(room), this.assertKnownUser(userId)]);
    const until = Date.now() + durationSec * 1000;
    await this.repository.mute(room, userId, durationSec, { by: admin.id, ...(reason === undefined ? {} : { reason }) });
    this.tell(userId, notice({ action: 'muted', room, until, reason }));
  }

  async unmute(room: string, userId: string): Promise<void> {
    await Promise.all([this.assertKnownRoom(room), this.assertKnownUser(userId)]);
    if (!(await this.repository.unmute(room, userId))) throw new ContractError('not_found', `user ${userId} is not muted in room ${room}`);
    this.tell(userId, notice({ action: 'unmuted', room }));
  }

  /** New handshakes answer `banned` from now on; open connections hear `moderation: banned` and close, on every node. */
  async ban(userId: string, durationSec: number | undefined, reason: string | undefined): Promise<void> {
    await this.assertKnownUser(userId);
    const until = await this.access.ban(userId, durationSec, reason);
    this.sessions.endUserSessionsWith(userId, 'banned', { event: ServerEvent.Moderation, payload: notice({ action: 'banned', reason, until }) });
  }

  async unban(userId: string): Promise<void> {
    await this.assertKnownUser(userId);
    if (!(await this.access.unban(userId))) throw new ContractError('not_found', `user ${userId} is not banned`);
  }

  /** Tokens issued up to this second are refused (`token_revoked`); open sessions hear `session: revoked` and close. */
  async revokeTokens(userId: string): Promise<void> {
    await this.assertKnownUser(userId);
    await this.access.revokeUserTokens(userId, Math.floor(Date.now() / 1000));
    this.sessions.endUserSessions(userId, 'revoked');
  }

  private tell(userId: string, moderation: ModerationNotice): void {
    this.namespace.server.to(userChannel(userId)).emit(ServerEvent.Moderation, moderation);
  }

  private async assertKnownRoom(room: string): Promise<void> {
    if (!(await this.repository.isKnownRoom(room))) throw notFound(`room ${room}`);
  }

  private async assertKnownUser(userId: string): Promise<void> {
    if (!(await this.repository.isKnownUser(userId))) throw notFound(`user ${userId}`);
  }
}

/** The event without its absent fields. */
function notice(fields: ModerationNotice): ModerationNotice {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as unknown as ModerationNotice;
}
