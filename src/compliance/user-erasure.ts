import { Injectable, Logger } from '@nestjs/common';
import { AttachmentService } from '../attachments/attachment.service';
import { AccessRepository } from '../auth/access.repository';
import { HoldSet } from '../holds/legal-hold';
import { ModerationRepository } from '../moderation/moderation.repository';
import { PushService } from '../push/push.service';
import { ReactionRepository } from '../reactions/reaction.repository';
import { RoomStore } from '../rooms/room-store';
import { UserRoomsRepository } from '../rooms/user-rooms.repository';
import { SearchIndexWriter } from '../search/search-index.writer';
import { Budget } from './budget';
import { ComplianceRepository } from './compliance.repository';

/** Messages read per round trip while a room is searched for the user's messages. */
const ERASE_PAGE_SIZE = 100;
/** Enough for any message: an erasure removes every reaction the user left, whatever the room's limit. */
const ANY_NUMBER_OF_EMOJI = Number.MAX_SAFE_INTEGER;

/**
 * Carries out erasures a bounded step at a time, from the sweeper's tick: room by room, the user's messages become
 * tombstones (their attachments, files and index entries go), then the user's reactions, read markers and mutes go;
 * once every room is done, the user's own keys (rooms, grants, push subscriptions, moderation and access state).
 * A room under a legal hold waits until its hold goes; a user under one waits likewise.
 */
@Injectable()
export class UserErasure {
  private readonly logger = new Logger(UserErasure.name);

  constructor(
    private readonly repository: ComplianceRepository,
    private readonly rooms: RoomStore,
    private readonly reactions: ReactionRepository,
    private readonly userRooms: UserRoomsRepository,
    private readonly searchIndex: SearchIndexWriter,
    private readonly attachments: AttachmentService,
    private readonly push: PushService,
    private readonly moderation: ModerationRepository,
    private readonly access: AccessRepository,
  ) {}

  async step(holds: HoldSet, budget: Budget): Promise<void> {
    for (const userId of await this.repository.pendingErasures()) {
      if (budget.isSpent) return;
      if (holds.isUserHeld(userId)) continue;
      let isWaitingForHold = false;
      for (const [room, cursor] of await this.repository.erasureRooms(userId)) {
        if (budget.isSpent) return;
        if (holds.isRoomHeld(room)) {
          isWaitingForHold = true;
          continue;
        }
        await this.eraseInRoom(userId, room, cursor, budget);
      }
      if (!isWaitingForHold && !budget.isSpent) await this.forgetUser(userId);
    }
  }

  /**
   * Goes on from `cursor` through the room's messages; once at the end, the user's reactions, read marker and mute
   * go and the room is done. Where the budget runs out, the cursor is kept for the next tick.
   */
  private async eraseInRoom(userId: string, room: string, cursor: string, budget: Budget): Promise<void> {
    let start = cursor === '-' ? '-' : `(${cursor}`;
    for (;;) {
      const wanted = Math.min(ERASE_PAGE_SIZE, budget.remaining);
      const page = await this.rooms.range(room, start, '+', wanted);
      budget.spend(page.length);
      const ids = page.filter((message) => message.userId === userId).map((message) => message.id);
      const { erased, attachments } = await this.rooms.erase(room, userId, ids);
      this.searchIndex.unindex(room, erased);
      if (attachments.length > 0)
        await this.attachments.remove(
          room,
          attachments.map((attachment) => attachment.id),
        );
      if (page.length < wanted) break;
      const last = page[page.length - 1].id;
      if (budget.isSpent) return this.repository.saveErasureCursor(userId, room, last);
      start = `(${last}`;
    }
    for (const reaction of await this.rooms.reactionsOf(room, userId)) {
      await this.reactions.react(room, reaction.messageId, 'remove', reaction.emoji, userId, ANY_NUMBER_OF_EMOJI);
    }
    await this.rooms.forgetMember(room, userId);
    await this.repository.finishErasureRoom(userId, room);
  }

  private async forgetUser(userId: string): Promise<void> {
    await Promise.all([this.userRooms.forgetUser(userId), this.push.forgetUser(userId), this.moderation.forgetUser(userId), this.access.forgetUser(userId)]);
    await this.repository.finishErasure(userId);
    this.logger.log(`erasure of user ${userId} finished`);
  }
}
