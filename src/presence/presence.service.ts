import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type { AuthUser } from '../common/auth-user';
import type { Connection } from '../common/connection';
import { ServerEvent } from '../common/contract';
import { AppEvents } from '../events/app-events.service';
import { Broadcaster } from '../realtime/broadcaster';
import { AccessPolicy } from '../rooms/access-policy';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { PresenceChange, PresenceMember, PresenceRepository } from './presence.repository';

export type PresenceStatus = 'joined' | 'left';

/** The entry write for one user in one room; bursts of joins and leaves collapse into the writes still owed. */
interface EntryWrite {
  done: Promise<void>;
  isOwedAnother: boolean;
  name?: string;
}

/**
 * Who is in which room, across nodes, counting connections. Each node process is an "owner": it writes the
 * connection counts it holds (mirroring what it knows locally) and beats every third of PRESENCE_TTL_SEC.
 * When an owner stops beating for a full TTL, one surviving node wins the claim on it, removes its entries
 * and announces `left` for the users who had no other connection. Joins and leaves are announced by the node
 * whose write turned a user's total from 0 or to 0, and a Lua script decides that, so every transition is
 * announced once.
 */
@Injectable()
export class PresenceService implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(PresenceService.name);
  private readonly ttlMs: number;
  private owner = newOwnerId();
  private isRegistered = false;
  private isRetired = false;
  private isBeating = false;
  /** A write failed: Redis may disagree with `local`, so the entries move to a fresh owner once Redis answers. */
  private needsResync = false;
  /** Since when heartbeats succeed without a gap; after an outage every owner looks stale until it beats again. */
  private healthySince?: number;
  private heartbeatTimer?: NodeJS.Timeout;
  /** room -> userId -> connections this node holds: the truth its entries in Redis mirror. */
  private readonly local = new Map<string, Map<string, number>>();
  private readonly writes = new Map<string, EntryWrite>();

  constructor(
    private readonly repository: PresenceRepository,
    private readonly broadcaster: Broadcaster,
    private readonly events: AppEvents,
    private readonly access: AccessPolicy,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.ttlMs = config.presenceTtlSec * 1000;
  }

  onApplicationBootstrap(): void {
    void this.beat();
    this.heartbeatTimer = setInterval(() => void this.beat(), Math.floor(this.ttlMs / 3));
    this.heartbeatTimer.unref();
  }

  /** Graceful shutdown: the rest of the cluster hears `left` now rather than after the TTL. */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.heartbeatTimer);
    this.isRetired = true;
    try {
      await this.retireOwner(this.owner, [...this.local.keys()]);
    } catch (error) {
      this.logger.warn(`presence not cleaned up at shutdown; other nodes will within ${this.ttlMs / 1000} s: ${describe(error)}`);
    }
  }

  /** Every way a connection enters or leaves a chat room (join, leave, kick, disconnect) is reported by realtime/. */
  onModuleInit(): void {
    this.broadcaster.onMembershipChange((room, connection, delta) => this.onMembershipChange(room, connection.user, delta));
  }

  /** `presence:list`: needs only the right to read the room, as history does. */
  async list(connection: Connection, room: string): Promise<{ users: PresenceMember[] }> {
    this.access.requireAccess(connection.user, 'room.read', room);
    return { users: await this.repository.members(room) };
  }

  /** The admin API's answer: the caller checked that the asker moderates the room. */
  members(room: string): Promise<PresenceMember[]> {
    return this.repository.members(room);
  }

  onlineCounts(rooms: string[]): Promise<number[]> {
    return Promise.all(rooms.map((room) => this.repository.onlineCount(room)));
  }

  /** The room's members once the joining user's own entry is written: what the join ack reports. */
  async membersAfterJoin(room: string, userId: string): Promise<PresenceMember[]> {
    await this.whenWritten(room, userId);
    return this.repository.members(room);
  }

  /** Resolves once the user's entry in the room reflects this node's joins and leaves so far. */
  async whenWritten(room: string, userId: string): Promise<void> {
    await this.writes.get(writeKey(room, userId))?.done;
  }

  private onMembershipChange(room: string, user: AuthUser, delta: 1 | -1): void {
    let users = this.local.get(room);
    if (!users) {
      if (delta < 0) return;
      users = new Map();
      this.local.set(room, users);
      this.repository.addOwnerRoom(this.owner, room).catch((error) => this.onWriteFailure(error));
    }
    const connections = (users.get(user.id) ?? 0) + delta;
    if (connections > 0) users.set(user.id, connections);
    else users.delete(user.id);
    if (users.size === 0) this.local.delete(room);
    void this.sync(room, user.id, user.name);
  }

  /** Brings the user's entry in line with `local`; a write already under way owes one more after it. */
  private sync(room: string, userId: string, name?: string): Promise<void> {
    const key = writeKey(room, userId);
    const pending = this.writes.get(key);
    if (pending) {
      pending.isOwedAnother = true;
      pending.name = name ?? pending.name;
      return pending.done;
    }
    const write: EntryWrite = { done: Promise.resolve(), isOwedAnother: false, name };
    this.writes.set(key, write);
    write.done = this.writeUntilSettled(room, userId, write).finally(() => this.writes.delete(key));
    return write.done;
  }

  private async writeUntilSettled(room: string, userId: string, write: EntryWrite): Promise<void> {
    do {
      write.isOwedAnother = false;
      if (this.isRetired) return;
      const owner = this.owner;
      try {
        const change = await this.repository.setConnections(room, owner, userId, this.local.get(room)?.get(userId) ?? 0, write.name);
        this.announceTransition(room, userId, write.name, change);
        if (!this.local.has(room)) await this.repository.removeOwnerRoom(owner, room);
      } catch (error) {
        this.onWriteFailure(error);
      }
    } while (write.isOwedAnother);
  }

  /** The script decided the transition, so exactly one node in the cluster announces each. */
  private announceTransition(room: string, userId: string, name: string | undefined, { before, after, room: occupancy }: PresenceChange): void {
    if (before === 0 && after > 0) this.announce(room, userId, name, 'joined');
    else if (before > 0 && after === 0) this.announce(room, userId, name, 'left');
    if (occupancy) void this.events.emit(occupancy === 'occupied' ? 'room.occupied' : 'room.vacated', { room });
  }

  private announce(room: string, userId: string, name: string | undefined, status: PresenceStatus): void {
    this.broadcaster.toRooms(room, ServerEvent.Presence, { room, userId, ...(name ? { name } : {}), status }, { exceptUser: userId });
    void this.events.emit(status === 'joined' ? 'member.joined' : 'member.left', { room, userId });
  }

  private onWriteFailure(error: unknown): void {
    this.needsResync = true;
    this.logger.warn(`presence write failed; resyncing when Redis answers: ${describe(error)}`);
  }

  private async beat(): Promise<void> {
    if (this.isBeating || this.isRetired) return;
    this.isBeating = true;
    try {
      const result = await this.repository.heartbeat(this.owner, this.isRegistered, this.ttlMs);
      this.healthySince ??= Date.now();
      if (!result.isKnown || this.needsResync) {
        await this.rotateOwner(result.isKnown ? 'a presence write failed' : 'this node was taken for dead');
        return;
      }
      this.isRegistered = true;
      if (Date.now() - this.healthySince < this.ttlMs) return;
      for (const owner of result.staleOwners) {
        if (owner !== this.owner && (await this.repository.claimOwner(owner, this.ttlMs, false))) await this.reapOwner(owner, []);
      }
    } catch (error) {
      this.healthySince = undefined;
      this.logger.warn(`presence heartbeat failed: ${describe(error)}`);
    } finally {
      this.isBeating = false;
    }
  }

  /**
   * Rewrites this node's entries under a fresh owner id, then removes the old owner's: the new entries
   * are written first so that a user who never left is not announced as leaving.
   */
  private async rotateOwner(reason: string): Promise<void> {
    const previous = this.owner;
    this.owner = newOwnerId();
    this.needsResync = false;
    this.logger.warn(`re-registering presence (${reason})`);
    await this.repository.heartbeat(this.owner, false, this.ttlMs);
    this.isRegistered = true;
    const rooms = [...this.local.keys()];
    await Promise.all(rooms.map((room) => this.repository.addOwnerRoom(this.owner, room)));
    await Promise.all(rooms.flatMap((room) => [...(this.local.get(room)?.keys() ?? [])].map((userId) => this.sync(room, userId))));
    await this.retireOwner(previous, rooms);
  }

  private async retireOwner(owner: string, knownRooms: string[]): Promise<void> {
    await this.repository.claimOwner(owner, this.ttlMs, true);
    await this.reapOwner(owner, knownRooms);
  }

  /** Removes an owner's entries in every room it held some in, announcing `left` for whoever had no other connection. */
  private async reapOwner(owner: string, knownRooms: string[]): Promise<void> {
    const rooms = new Set([...(await this.repository.ownerRooms(owner)), ...knownRooms]);
    let departures = 0;
    await Promise.all(
      [...rooms].map(async (room) => {
        const { gone, isVacated } = await this.repository.removeOwner(room, owner);
        for (const { userId, name } of gone) {
          this.announce(room, userId, name, 'left');
          departures += 1;
        }
        if (isVacated) void this.events.emit('room.vacated', { room });
      }),
    );
    await this.repository.forgetOwner(owner);
    if (owner !== this.owner) this.logger.log(`removed presence of stopped owner ${owner}: ${rooms.size} rooms, ${departures} departures`);
  }
}

function newOwnerId(): string {
  return randomBytes(8).toString('hex');
}

function writeKey(room: string, userId: string): string {
  return `${room}\n${userId}`;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
