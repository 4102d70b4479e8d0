import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { ROOM_NAME_PATTERN, ServerEvent, StoredMessage } from '../common/contract';
import { ContractError } from '../common/contract-error';
import type { Connection } from '../common/connection';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import type { RedisConnectionClient } from '../redis/redis-connections';
import { REDIS_SUBSCRIBER } from '../redis/redis.tokens';
import { compareStreamIds } from '../redis/stream-ids';
import { SubscriberWatch } from '../redis/subscriber-watch';
import { ChatNamespace } from './chat-namespace';
import type { ChatSocket } from './chat-socket';
import { LiveMessage, ROOM_FEED_SOURCE, RoomFeedSource } from './room-feed-source';

/** The pause before a failed read of a room's cursor or of what it missed is tried again. */
const RETRY_MS = 250;

/**
 * A sharded channel nobody publishes on, subscribed for the node's life on a plain (non-cluster) subscriber.
 * That connection is the Socket.IO adapter's too, and Redis answers SUNSUBSCRIBE with the count of sharded
 * channels left: at 0, ioredis concludes the connection left subscriber mode and stops reading the adapter's
 * messages as such. With this one held, the count never reaches 0.
 */
const ANCHOR_CHANNEL = 'chat:room-feed:anchor';

/** Where a join's catch-up ends: the id of the last message it serves (null: none); later ones come live. */
type JoinCursor = string | null | Promise<string | null>;

/** One chat room this node holds members of, and what it delivered of it. */
interface FeedRoom {
  readonly name: string;
  readonly channel: string;
  /** The id of the newest message delivered here (null: none yet, the room was empty); undefined until read. */
  cursor: string | null | undefined;
  /** Resolves with the cursor once it is known: subscribed first, then the stream's newest id read. */
  established: Promise<string | null>;
  /** Live messages held back while the cursor is unknown or a gap is being filled, in arrival order. */
  held?: LiveMessage[];
  /** The subscription was interrupted since the last fill began: what was published meanwhile is missing. */
  hasGap: boolean;
  isFilling: boolean;
  /** Per member that joined and has not yet asked: where its catch-up ends. */
  readonly joinCursors: Map<string, JoinCursor>;
  /** Members whose `since` is beyond the cursor: they already have every message up to that id. */
  floors?: Map<string, string>;
}

/**
 * One order per room on every connection. The append script publishes each stored message on the room's
 * channel (in the room's slot, so Redis orders the write and its publication as one), and every node, the
 * sender's too, delivers `message` events to its local members from that subscription only: every node sees
 * the room's one sequence, which is id order. Per room the node keeps the id of the last message it delivered
 * (its cursor), so that a join's catch-up ends exactly where live delivery starts, and so that after its
 * subscription was interrupted it reads from the stream what it missed and delivers it, in order, before
 * anything newer (held meanwhile). Only a room that missed more than CATCHUP_MAX has its connections closed.
 * A node subscribes to a room's channel while it holds a member of the room.
 */
@Injectable()
export class RoomFeed implements OnModuleInit {
  private readonly logger = new Logger('RoomFeed');
  private source!: RoomFeedSource;
  private readonly rooms = new Map<string, FeedRoom>();
  private readonly byChannel = new Map<string, FeedRoom>();
  /** `since` of joins under way, by connection and room, until the adapter reports the join. */
  private readonly pendingSince = new Map<string, string>();
  /** False from the moment the subscription may miss messages until it receives every one again. */
  private isReceiving = true;
  private publicationBarrier?: Promise<void>;

  constructor(
    private readonly namespace: ChatNamespace,
    @Inject(REDIS_SUBSCRIBER) private readonly subscriber: RedisConnectionClient,
    private readonly subscriberWatch: SubscriberWatch,
    private readonly modules: ModuleRef,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.source = this.modules.get<RoomFeedSource>(ROOM_FEED_SOURCE, { strict: false });
    this.subscriber.on('smessage', (channel: string, payload: string) => this.onPublished(channel, payload));
    if (this.config.redis.mode !== 'cluster') {
      void Promise.resolve(this.subscriber.ssubscribe(ANCHOR_CHANNEL)).catch((error: Error) =>
        this.logger.warn(`${ANCHOR_CHANNEL} not subscribed: ${error.message}`),
      );
    }
    this.subscriberWatch.onLost(() => this.onSubscriptionLost());
    this.subscriberWatch.onRecovered(() => this.onSubscriptionRecovered());
    this.namespace.whenAttached(() => {
      const adapter = this.namespace.server.adapter;
      adapter.on('create-room', (room: string) => isChatRoom(room) && this.open(room));
      adapter.on('delete-room', (room: string) => this.close(room));
      adapter.on('join-room', (room: string, connectionId: string) => this.onJoined(room, connectionId));
      adapter.on('leave-room', (room: string, connectionId: string) => this.onLeft(room, connectionId));
    });
  }

  /**
   * Joins the connection to the room and answers the id of the last message its catch-up must serve (null:
   * none): every later one reaches it live, none earlier, whatever is published meanwhile. The cursor is the
   * node's at the instant the connection entered the room. With `since`, no message up to that id reaches it
   * live (it has them: it saw them on another node, which may be ahead of this one). Waits, bounded by
   * REDIS_ADMISSION_TIMEOUT_MS, for a new subscription's confirmation and cursor. Undefined for a room the feed
   * does not hold: no bound.
   */
  async join(connection: Connection, room: string, since?: string): Promise<string | null | undefined> {
    const key = `${connection.id}\n${room}`;
    if (since) this.pendingSince.set(key, since);
    try {
      await connection.join(room);
    } finally {
      this.pendingSince.delete(key);
    }
    const feedRoom = this.rooms.get(room);
    if (!feedRoom) return undefined;
    const recorded = feedRoom.joinCursors.get(connection.id);
    feedRoom.joinCursors.delete(connection.id);
    // a member already: it receives live, and asks for what it missed before
    if (recorded === undefined && since) this.keepFloor(feedRoom, connection.id, since);
    return this.bounded(recorded !== undefined ? recorded : feedRoom.cursor !== undefined ? feedRoom.cursor : feedRoom.established);
  }

  private open(name: string): void {
    const room: FeedRoom = {
      name,
      channel: this.source.channelOf(name),
      cursor: undefined,
      established: Promise.resolve(null),
      held: [],
      hasGap: false,
      isFilling: false,
      joinCursors: new Map(),
    };
    this.rooms.set(name, room);
    this.byChannel.set(room.channel, room);
    this.startEstablishing(room, true);
  }

  /** The joins waiting for the cursor hear a failure; nobody else has to. */
  private startEstablishing(room: FeedRoom, subscribe: boolean): void {
    room.established = this.establish(room, subscribe);
    room.established.catch(() => undefined);
  }

  private close(name: string): void {
    const room = this.rooms.get(name);
    if (!room) return;
    this.rooms.delete(name);
    this.byChannel.delete(room.channel);
    void Promise.resolve(this.subscriber.sunsubscribe(room.channel)).catch((error: Error) =>
      this.logger.warn(`${room.channel} not unsubscribed: ${error.message}`),
    );
  }

  /**
   * Subscribes (unless `subscribe` is false: already subscribed), then reads the stream's newest id: every
   * message published after the subscription was confirmed is newer, or not newer and served by the catch-ups
   * of the joins that wait for this cursor. Retried while the room is held, though the joins waiting for the
   * first attempt hear its failure.
   */
  private async establish(room: FeedRoom, subscribe: boolean): Promise<string | null> {
    try {
      if (subscribe) await this.subscriber.ssubscribe(room.channel);
      const cursor = await this.source.newestId(room.name);
      if (this.rooms.get(room.name) === room) {
        room.cursor = cursor;
        if (!room.hasGap && !room.isFilling) this.release(room);
      }
      return cursor;
    } catch (error) {
      if (this.rooms.get(room.name) === room) {
        setTimeout(() => this.rooms.get(room.name) === room && this.startEstablishing(room, subscribe), RETRY_MS);
      }
      throw new ContractError('unavailable', `cannot follow room ${room.name} yet: ${(error as Error).message}`);
    }
  }

  /** Runs inside the adapter's join, before any later message can be delivered. */
  private onJoined(name: string, connectionId: string): void {
    const room = this.rooms.get(name);
    if (!room) return;
    room.joinCursors.set(connectionId, room.cursor !== undefined ? room.cursor : room.established);
    const since = this.pendingSince.get(`${connectionId}\n${name}`);
    if (since) this.keepFloor(room, connectionId, since);
  }

  /** Dropped at the first message newer than `since`: harmless when the cursor is past it already. */
  private keepFloor(room: FeedRoom, connectionId: string, since: string): void {
    (room.floors ??= new Map()).set(connectionId, since);
  }

  private onLeft(name: string, connectionId: string): void {
    const room = this.rooms.get(name);
    room?.joinCursors.delete(connectionId);
    room?.floors?.delete(connectionId);
  }

  private onPublished(channel: string, payload: string): void {
    const room = this.byChannel.get(channel);
    if (!room) return;
    let live: LiveMessage;
    try {
      live = this.source.decode(payload);
    } catch (error) {
      // only the append script publishes here: anything else is not a message, and must not break the subscriber
      this.logger.warn(`not a message on ${channel}: ${(error as Error).message}`);
      return;
    }
    if (room.held) room.held.push(live);
    else this.deliver(room, live.message, live.exceptConnection);
  }

  /** To this node's members of the room, once each: a message not newer than the cursor was delivered or served. */
  private deliver(room: FeedRoom, message: StoredMessage, exceptConnection?: string): void {
    if (room.cursor && compareStreamIds(message.id, room.cursor) <= 0) return;
    room.cursor = message.id;
    const except = exceptConnection ? [exceptConnection] : [];
    if (room.floors) {
      for (const [connectionId, floor] of room.floors) {
        const order = compareStreamIds(message.id, floor);
        if (order <= 0) except.push(connectionId);
        if (order >= 0) room.floors.delete(connectionId);
      }
      if (room.floors.size === 0) room.floors = undefined;
    }
    let operator = this.namespace.server.local.to(room.name);
    if (except.length > 0) operator = operator.except(except);
    (operator.emit as (event: string, payload: unknown) => boolean)(ServerEvent.Message, message);
  }

  /** Delivers what was held back, and lets live messages through again. */
  private release(room: FeedRoom): void {
    const held = room.held ?? [];
    room.held = undefined;
    for (const live of held) this.deliver(room, live.message, live.exceptConnection);
  }

  private onSubscriptionLost(): void {
    this.isReceiving = false;
    for (const room of this.rooms.values()) {
      room.hasGap = true;
      room.held ??= [];
    }
    if (this.rooms.size > 0) this.logger.warn(`subscription interrupted: holding ${this.rooms.size} rooms until what they missed is read`);
  }

  private onSubscriptionRecovered(): void {
    this.isReceiving = true;
    for (const room of this.rooms.values()) if (room.hasGap) void this.fill(room);
  }

  /**
   * Reads what the room missed after its cursor and delivers it, then what was held; more than CATCHUP_MAX
   * missed (or trimmed past the cursor) closes the room's local connections instead, which reconnect and catch
   * up with `since`. Missed are the messages older than the first one held: those stored after the subscription
   * came back reach it, and the read may see them too. Repeats while the subscription was interrupted again
   * meanwhile; stops, holding, while it is.
   */
  private async fill(room: FeedRoom): Promise<void> {
    if (room.isFilling) return;
    room.isFilling = true;
    const isCurrent = () => this.rooms.get(room.name) === room;
    try {
      while (room.hasGap && this.isReceiving && isCurrent()) {
        room.hasGap = false;
        const cursor = await room.established;
        const read = await this.source.readAfter(room.name, room.cursor ?? cursor, this.config.catchupMax + 1);
        await this.publicationsSoFar();
        if (!isCurrent()) return;
        const firstHeld = room.held?.[0]?.message.id;
        const missed = firstHeld === undefined ? read.messages : read.messages.filter((message) => compareStreamIds(message.id, firstHeld) < 0);
        if (read.trimmed || missed.length > this.config.catchupMax) {
          this.closeMembers(room, `more than CATCHUP_MAX (${this.config.catchupMax}) messages missed`);
          room.cursor = undefined;
          this.startEstablishing(room, false);
          return;
        }
        for (const message of missed) this.deliver(room, message);
        if (missed.length > 0) this.logger.log(`room ${room.name}: ${missed.length} messages missed while the subscription was interrupted, delivered`);
      }
      if (!room.hasGap && this.isReceiving && isCurrent()) this.release(room);
    } catch (error) {
      room.hasGap = true;
      // Redis is likely still coming back: the loss was logged, each retry is not
      this.logger.debug(`room ${room.name}: what it missed is not read yet (${(error as Error).message}); trying again`);
      setTimeout(() => this.isReceiving && isCurrent() && void this.fill(room), RETRY_MS);
    } finally {
      room.isFilling = false;
    }
  }

  /**
   * Resolves once the subscription received every publication made before the reads that answered so far: a
   * message a fill read may also be on its way to the subscriber, and must be held before it is counted as
   * missed. One PING on the subscriber for all the fills whose reads answered before it is sent.
   */
  private publicationsSoFar(): Promise<void> {
    this.publicationBarrier ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      this.publicationBarrier = undefined;
      return this.subscriberWatch.confirm();
    });
    return this.publicationBarrier;
  }

  private closeMembers(room: FeedRoom, why: string): void {
    const server = this.namespace.server;
    const members = [...(server.adapter.rooms.get(room.name) ?? [])];
    for (const id of members) (server.sockets.get(id) as ChatSocket | undefined)?.conn.close();
    this.logger.warn(`room ${room.name}: ${why}; ${members.length} connections told to reconnect and catch up`);
  }

  private async bounded(cursor: JoinCursor): Promise<string | null> {
    if (!(cursor instanceof Promise)) return cursor;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new ContractError('unavailable', 'the room is not followed yet; join again shortly')),
        this.config.redisAdmissionTimeoutMs,
      );
    });
    try {
      return await Promise.race([cursor, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Chat rooms only: not a connection's own room, nor a user's or token's addressing channel. */
function isChatRoom(room: string): boolean {
  return ROOM_NAME_PATTERN.test(room);
}
