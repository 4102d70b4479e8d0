import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import type { Connection } from '../common/connection';
import { StoredMessage } from '../common/contract';
import { ContractError } from '../common/contract-error';
import { HISTORY_PAGE_DEFAULT } from '../common/validation-patterns';
import { PresenceMember } from '../presence/presence.repository';
import { PresenceService } from '../presence/presence.service';
import { Broadcaster } from '../realtime/broadcaster';
import { ReceiptService } from '../receipts/receipt.service';
import { AccessPolicy } from '../rooms/access-policy';
import type { RoomMessage } from '../rooms/message.codec';
import { RoomStore } from '../rooms/room-store';
import { UserRoomsRepository } from '../rooms/user-rooms.repository';
import { MessagePresenter } from '../attachments/message-presenter';
import { JoinRoomDto } from './dto/join-room.dto';

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

/** Entering and leaving rooms: `room:join` with its catch-up, presence and read state, and `room:leave`. */
@Injectable()
export class MembershipService {
  constructor(
    private readonly messages: RoomStore,
    private readonly broadcaster: Broadcaster,
    private readonly presence: PresenceService,
    private readonly receipts: ReceiptService,
    private readonly userRooms: UserRoomsRepository,
    private readonly presenter: MessagePresenter,
    private readonly access: AccessPolicy,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Joins before reading, and reads history only up to the node's cursor for the room at the instant of the
   * join: everything after it reaches the connection live, nothing twice and nothing missed. A join whose
   * reads fail is undone, so that a client told `unavailable` is not left receiving the room. The room enters
   * the user's rooms in the same round trip, unless the user holds MAX_ROOMS_PER_USER already.
   */
  async join(connection: Connection, { room, since }: JoinRoomDto): Promise<JoinResult> {
    const { user } = connection;
    this.access.requireAccess(user, 'room.join', room);
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
}

function tooManyRooms(limit: number): ContractError {
  return new ContractError('forbidden', `you hold ${limit} rooms, the most allowed: leave one first`, { limit });
}
