import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AttachmentService } from '../attachments/attachment.service';
import { MessageRemovalService } from '../chat/message-removal.service';
import { ContractError } from '../common/contract-error';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { HoldSet } from '../holds/legal-hold';
import { LegalHolds } from '../holds/legal-holds.service';
import { RoomStore } from '../rooms/room-store';
import { UserRoomsRepository } from '../rooms/user-rooms.repository';
import { timeOfStreamId } from '../redis/stream-ids';
import { Budget } from './budget';
import { ComplianceRepository } from './compliance.repository';
import { UserErasure } from './user-erasure';

/** Messages read per round trip while a room is swept. */
const SWEEP_PAGE_SIZE = 100;
/** Rooms without a policy of their own visited per tick under RETENTION_DEFAULT_SECONDS. */
const DEFAULT_POLICY_ROOMS_PER_TICK = 500;
/** The lease outlives a few ticks, so a live sweeper keeps it; a dead one's passes to another node within it. */
const leaseMsOf = (sweepMs: number) => Math.max(3 * sweepMs, 5000);

/**
 * Enforces retention and carries out erasures, one sweep at a time in the cluster: each node tries every RETENTION_SWEEP_MS, and only the
 * node holding the lease sweeps. A tick examines at most RETENTION_SWEEP_BATCH messages (rooms with a policy of
 * their own first, then the walk of every other room under RETENTION_DEFAULT_SECONDS, which resumes from a cursor
 * in Redis), so a large backlog goes over several ticks. Every removal is idempotent, so a node that dies mid-tick
 * leaves nothing half done that the next sweeper cannot finish.
 */
@Injectable()
export class RetentionSweeper implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(RetentionSweeper.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private isStopped = false;

  constructor(
    private readonly repository: ComplianceRepository,
    private readonly holds: LegalHolds,
    private readonly rooms: RoomStore,
    private readonly removal: MessageRemovalService,
    private readonly attachments: AttachmentService,
    private readonly erasures: UserErasure,
    private readonly userRooms: UserRoomsRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.schedule();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.isStopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One bounded step of the cluster's sweep, if this node holds the lease; false when another node sweeps. */
  async tick(now = Date.now()): Promise<boolean> {
    const { nodeId, retention } = this.config;
    if (!(await this.repository.acquireSweepLease(nodeId, leaseMsOf(retention.sweepMs)))) return false;
    const [holds, policies] = await Promise.all([this.holds.current(), this.repository.retentionPolicies()]);
    await this.keepHeldRoomsFromExpiring(holds);
    const budget = new Budget(retention.sweepBatch);
    for (const [room, maxAgeSeconds] of policies) {
      if (budget.isSpent) return true;
      await this.sweepRoom(room, now - maxAgeSeconds * 1000, holds, budget);
    }
    if (retention.defaultSeconds !== undefined) await this.sweepRoomsWithoutPolicy(policies, now - retention.defaultSeconds * 1000, holds, budget);
    await this.purgeReleasedHeldDeletions(holds, budget);
    await this.erasures.step(holds, budget);
    return true;
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.running = this.tick()
        .then(() => undefined)
        .catch((error: unknown) => this.logger.warn(`retention sweep failed, retried next tick: ${error instanceof Error ? error.message : String(error)}`))
        .finally(() => {
          this.running = undefined;
          if (!this.isStopped) this.schedule();
        });
    }, this.config.retention.sweepMs);
    this.timer.unref();
  }

  /**
   * A room expires `ROOM_IDLE_TTL_DAYS` after its last message; a hold must keep it all the same. Each tick takes the
   * expiry off every room a hold covers (its own, or any room a held user wrote in: the whole room is kept, the
   * simpler promise) and gives it back to the rooms no hold covers any more.
   */
  private async keepHeldRoomsFromExpiring(holds: HoldSet): Promise<void> {
    const byUsers = await Promise.all(holds.heldUsers().map((userId) => this.userRooms.roomsTouchedBy(userId)));
    const held = new Set([...holds.heldRooms(), ...byUsers.flat()]);
    await Promise.all([...held].map((room) => this.rooms.keepFromExpiring(room)));
    await this.repository.noteRoomsKeptForHolds([...held]);
    const released = (await this.repository.roomsKeptForHolds()).filter((room) => !held.has(room));
    await Promise.all(released.map((room) => this.rooms.expireAgain(room)));
    await this.repository.forgetRoomsKeptForHolds(released);
  }

  /** Removes the room's messages created before `cutoffMs`, but those a hold covers, and the tombstones of that age. */
  private async sweepRoom(room: string, cutoffMs: number, holds: HoldSet, budget: Budget): Promise<void> {
    if (holds.isRoomHeld(room)) return;
    await this.rooms.forgetTombstones(
      room,
      (await this.rooms.tombstoneIds(room)).filter((id) => timeOfStreamId(id) < cutoffMs),
    );
    let start = '-';
    while (!budget.isSpent) {
      const wanted = Math.min(SWEEP_PAGE_SIZE, budget.remaining);
      const page = await this.rooms.range(room, start, `(${cutoffMs}-0`, wanted);
      budget.spend(page.length);
      for (const message of page) {
        if (!holds.coversMessage(room, message.userId)) await this.expire(room, message.id, holds);
      }
      if (page.length < wanted) return;
      start = `(${page[page.length - 1].id}`;
    }
  }

  private async expire(room: string, messageId: string, holds: HoldSet): Promise<void> {
    try {
      await this.removal.expire(room, messageId, holds);
    } catch (error) {
      // deleted meanwhile, by its author or by a sweeper that died after removing it
      if (!(error instanceof ContractError && error.code === 'not_found')) throw error;
    }
  }

  /** The walk of every known room without a policy of its own: a page of rooms per tick, resumed where it stopped. */
  private async sweepRoomsWithoutPolicy(policies: Map<string, number>, cutoffMs: number, holds: HoldSet, budget: Budget): Promise<void> {
    const cursor = await this.repository.sweepCursor();
    const rooms = await this.rooms.rooms(cursor, DEFAULT_POLICY_ROOMS_PER_TICK);
    let finished = cursor;
    for (const room of rooms) {
      if (!policies.has(room)) await this.sweepRoom(room, cutoffMs, holds, budget);
      if (budget.isSpent) break;
      finished = room;
    }
    const isWalkDone = rooms.length < DEFAULT_POLICY_ROOMS_PER_TICK && finished === rooms.at(-1);
    await this.repository.saveSweepCursor(isWalkDone ? undefined : finished);
  }

  /** Held deletions that no hold covers any more go for good, with their attachments. */
  private async purgeReleasedHeldDeletions(holds: HoldSet, budget: Budget): Promise<void> {
    for (const room of await this.holds.roomsWithHeldDeletions()) {
      if (budget.isSpent || holds.isRoomHeld(room)) continue;
      const ids = (await this.rooms.heldDeletionIds(room)).slice(0, budget.remaining);
      budget.spend(ids.length);
      const released = (await this.rooms.heldDeletions(room, ids)).filter((message) => !holds.coversMessage(room, message.userId));
      const attachments = await this.rooms.purgeHeldDeletions(
        room,
        released.map((message) => message.id),
      );
      if (attachments.length > 0)
        await this.attachments.remove(
          room,
          attachments.map((attachment) => attachment.id),
        );
      if (released.length === ids.length && (await this.rooms.heldDeletionIds(room)).length === 0) await this.holds.forgetHeldDeletions(room);
    }
  }
}
