import { Injectable } from '@nestjs/common';
import { AccessRepository } from '../auth/access.repository';
import { AuthUser } from '../common/auth-user';
import { SessionService } from '../auth/session.service';
import { MessageQueryService } from '../chat/message-query.service';
import { MessageRemovalService } from '../chat/message-removal.service';
import { Message, ModerationNotice, ServerEvent } from '../common/contract';
import { ContractError, notFound } from '../common/contract-error';
import { PresenceMember } from '../presence/presence.repository';
import { PresenceService } from '../presence/presence.service';
import { Broadcaster } from '../realtime/broadcaster';
import { ConnectionDirectory } from '../realtime/connection-directory';
import { AccessPolicy } from '../rooms/access-policy';
import { RoomStore } from '../rooms/room-store';
import { ModerationRepository } from './moderation.repository';

export interface RoomSummary {
  room: string;
  online: number;
  lastMessageAt: number | null;
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
export class ModerationService {
  constructor(
    private readonly repository: ModerationRepository,
    private readonly rooms: RoomStore,
    private readonly queries: MessageQueryService,
    private readonly removal: MessageRemovalService,
    private readonly policy: AccessPolicy,
    private readonly access: AccessRepository,
    private readonly sessions: SessionService,
    private readonly broadcaster: Broadcaster,
    private readonly connections: ConnectionDirectory,
    private readonly presence: PresenceService,
  ) {}

  /** Every room ever joined, by name, with the distinct users connected in it now (from presence). */
  /**
   * One page of rooms in name order, and the cursor of the next page when there may be one. A room with no
   * message left (its keys expired after ROOM_IDLE_TTL_DAYS) and nobody online is forgotten by the index as
   * it is met, and not listed.
   */
  async listRooms(cursor: string | undefined, limit: number): Promise<{ rooms: RoomSummary[]; nextCursor?: string }> {
    const names = await this.rooms.rooms(cursor, limit);
    const [online, lastMessageAt] = await Promise.all([this.presence.onlineCounts(names), this.rooms.lastMessageTimes(names)]);
    const summaries = names.map((room, i) => ({ room, online: online[i], lastMessageAt: lastMessageAt[i] }));
    const isIdle = (summary: RoomSummary) => summary.online === 0 && summary.lastMessageAt === null;
    await this.rooms.forgetRooms(summaries.filter(isIdle).map((summary) => summary.room));
    return { rooms: summaries.filter((summary) => !isIdle(summary)), ...(names.length === limit ? { nextCursor: names[limit - 1] } : {}) };
  }

  /** The same list as `presence:list`. */
  async presenceOf(room: string, admin: AuthUser): Promise<{ users: PresenceMember[] }> {
    await this.assertModerates(admin, room);
    return { users: await this.presence.members(room) };
  }

  async messages(room: string, page: { before?: string; after?: string; limit?: number }, admin: AuthUser): Promise<{ messages: Message[] }> {
    await this.assertModerates(admin, room);
    return { messages: await this.queries.readMessages(room, page) };
  }

  async deleteMessage(room: string, messageId: string, admin: AuthUser): Promise<void> {
    await this.assertModerates(admin, room);
    await this.removal.deleteMessage(room, messageId, admin);
  }

  /**
   * Tells the user's sockets in the room why, then takes them out of it on every node. Resolves once every
   * node has applied the leave (its answer to a later request on the same ordered channel proves it), so that
   * nothing sent after the response reaches them. They may join again: a kick is not a ban.
   */
  async kick(room: string, userId: string, reason: string | undefined, admin: AuthUser): Promise<void> {
    await Promise.all([this.assertModerates(admin, room), this.assertKnownUser(userId)]);
    const inRoom = (await this.connections.connectionsOf(userId)).filter((connection) => connection.rooms.has(room)).map((connection) => connection.id);
    if (inRoom.length === 0) return;
    this.broadcaster.toConnections(inRoom, ServerEvent.Moderation, notice({ action: 'kicked', room, reason }));
    await this.broadcaster.removeUserFromRoom(userId, room);
  }

  /** `message:send` answers `muted` until the key lapses or is lifted: the send script checks it, on any node. */
  async mute(room: string, userId: string, durationSec: number, reason: string | undefined, admin: AuthUser): Promise<void> {
    await Promise.all([this.assertModerates(admin, room), this.assertKnownUser(userId)]);
    const until = Date.now() + durationSec * 1000;
    await this.rooms.mute(room, userId, durationSec, { by: admin.id, ...(reason === undefined ? {} : { reason }) });
    this.tell(userId, notice({ action: 'muted', room, until, reason }));
  }

  async unmute(room: string, userId: string, admin: AuthUser): Promise<void> {
    await Promise.all([this.assertModerates(admin, room), this.assertKnownUser(userId)]);
    if (!(await this.rooms.unmute(room, userId))) throw new ContractError('not_found', `user ${userId} is not muted in room ${room}`);
    this.tell(userId, notice({ action: 'unmuted', room }));
  }

  /**
   * New handshakes answer `banned` from now on; open connections hear `moderation: banned` and close, on every
   * node. Any user id may be banned, also before it ever connects (a leaked token used only over REST).
   */
  async ban(userId: string, durationSec: number | undefined, reason: string | undefined): Promise<void> {
    const until = await this.access.ban(userId, durationSec, reason);
    await this.sessions.endUserSessionsWith(userId, 'banned', { event: ServerEvent.Moderation, payload: notice({ action: 'banned', reason, until }) });
  }

  async unban(userId: string): Promise<void> {
    await this.assertKnownUser(userId);
    if (!(await this.access.unban(userId))) throw new ContractError('not_found', `user ${userId} is not banned`);
  }

  /**
   * Tokens issued up to this second are refused (`token_revoked`); open sessions hear `session: revoked` and
   * close. Like a ban, it may be placed for a user who never connected.
   */
  async revokeTokens(userId: string): Promise<void> {
    await this.access.revokeUserTokens(userId, Math.floor(Date.now() / 1000));
    await this.sessions.endUserSessions(userId, 'revoked');
  }

  private tell(userId: string, moderation: ModerationNotice): void {
    this.broadcaster.toUser(userId, ServerEvent.Moderation, moderation);
  }

  /** The admin guard let only admins in; the policy decides what they may do to this room, then the room must exist. */
  private async assertModerates(admin: AuthUser, room: string): Promise<void> {
    this.policy.requireAccess(admin, 'room.moderate', room);
    if (!(await this.rooms.isKnownRoom(room))) throw notFound(`room ${room}`);
  }

  private async assertKnownUser(userId: string): Promise<void> {
    if (!(await this.repository.isKnownUser(userId))) throw notFound(`user ${userId}`);
  }
}

/** The event without its absent fields. */
function notice(fields: ModerationNotice): ModerationNotice {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as unknown as ModerationNotice;
}
