import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { Message, MessageAttachment, StoredMessage } from '../common/contract';
import { compareStreamIds, FIRST_POSSIBLE_STREAM_ID, timeOfStreamId } from '../redis/stream-ids';
import { REDIS_ADMISSION, REDIS_COMMANDS } from '../redis/redis.tokens';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { ROOM_INDEX_KEY, roomKeys } from './keys';
import { liveFeedParts } from './live-feed';
import {
  decodeMessage,
  encodeMentions,
  encodeMessage,
  MessageDraft,
  messageFromDraft,
  RoomMessage,
  StoredAttachment,
  withOverlays,
  withThread,
} from './message.codec';
import { DeleteResult, ReadReply, roomScripts, TrimmedMessages } from './room.scripts';

export type { DeleteResult, TrimmedMessages };

export type AppendResult =
  | { status: 'stored'; message: RoomMessage; trimmed: TrimmedMessages }
  | { status: 'duplicate'; message: RoomMessage }
  | { status: 'muted'; mutedForMs: number | null }
  | { status: 'reply_target_missing' };

export type EditResult =
  /** `previousMentions`: whom the message named before this edit, so that only newly named users hear of it. */
  | { status: 'edited'; message: RoomMessage; previousMentions: string[] }
  | { status: 'not_found' }
  | { status: 'not_author' }
  | { status: 'muted'; mutedForMs: number | null };

/** The legal holds a deletion must honour: the room's own, and the users whose messages are held wherever they are. */
export interface DeletionHolds {
  isRoomHeld: boolean;
  heldUsers: string[];
}

/** A message deleted while a legal hold covered it: kept for export, never served to users. */
export interface HeldDeletion extends RoomMessage {
  deleted: true;
  deletedAt: number;
  deletedBy: string;
}

function decodeHeldDeletion(room: string, id: string, raw: string): HeldDeletion {
  const archived = JSON.parse(raw) as { fields: string[]; edit: string | false; reactions: string | false; deletedAt: number; deletedBy: string };
  const message = withOverlays(decodeMessage(room, id, archived.fields), archived.edit || null, archived.reactions || null);
  return { ...message, deleted: true, deletedAt: archived.deletedAt, deletedBy: archived.deletedBy };
}

/** What is left of a message whose author was erased: its id, author id and thread link. */
export interface Tombstone extends RoomMessage {
  content: '';
  deleted: true;
  erased: true;
}

function decodeTombstone(room: string, id: string, raw: string): Tombstone {
  const { userId, replyTo } = JSON.parse(raw) as { userId: string; replyTo: string | false };
  return { id, room, userId, content: '', createdAt: timeOfStreamId(id), ...(replyTo ? { replyTo } : {}), deleted: true, erased: true };
}

/** A user's reaction, as a data export lists it. */
export interface UserReaction {
  room: string;
  messageId: string;
  emoji: string;
}

/** Messages per script call of a catch-up read. */
const CATCHUP_CHUNK = 100;

/**
 * The room keyspace and the scripts on its messages (`room.scripts.ts`): one Redis Stream per room, whose id is the
 * message id and the catch-up cursor, and beside it (same `{room}` slot) dedup markers, mutes, edits, reaction
 * counts and who reacted, read markers and threads. Entries never change: an edit lives in the room's edits hash and
 * a reaction count in its counts hash, merged in on every read. The scripts of a reaction (reactions/), a read
 * marker (receipts/) and an inbox line (offline/) live with their features and take the keys from `roomKeys`.
 */
@Injectable()
export class RoomStore {
  private readonly roomIdleTtlMs: number;

  constructor(
    @Inject(REDIS_COMMANDS) private readonly redis: Redis,
    /** The reads and idempotent writes of a join, and the message reads it shares with history. */
    @Inject(REDIS_ADMISSION) private readonly admission: Redis,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.roomIdleTtlMs = config.roomIdleTtlDays * 86_400_000;
  }

  /**
   * A stored message is published on the room's live channel by the same script (`live`: the connection that
   * already has it, and its attachments as served); a retry, a mute or a missing reply target publishes nothing.
   */
  async appendIfNew(
    room: string,
    draft: MessageDraft,
    maxLength: number,
    dedupWindowSec: number,
    live: { exceptConnection?: string; attachments: MessageAttachment[] } = { attachments: [] },
  ): Promise<AppendResult> {
    const stream = roomKeys.messages(room);
    const dedup = draft.clientMsgId ? roomKeys.dedup(room, draft.userId, draft.clientMsgId) : stream;
    const outcome = await roomScripts.append.run(
      this.redis,
      [
        stream,
        dedup,
        roomKeys.mute(room, draft.userId),
        roomKeys.edits(room),
        roomKeys.reactionCounts(room),
        draft.replyTo ? roomKeys.thread(room, draft.replyTo) : stream,
        roomKeys.lastRead(room),
        roomKeys.tombstones(room),
      ],
      [
        maxLength,
        draft.clientMsgId ? dedupWindowSec : 0,
        draft.replyTo ?? '',
        roomKeys.threadPrefix(room),
        this.roomIdleTtlMs,
        roomKeys.live(room),
        ...liveFeedParts(room, draft, live.exceptConnection, live.attachments),
        ...encodeMessage(draft),
      ],
    );
    switch (outcome.status) {
      case 'stored':
        return { status: 'stored', message: messageFromDraft(room, outcome.id, draft), trimmed: outcome.trimmed };
      case 'duplicate':
        return { status: 'duplicate', message: outcome.fields ? decodeMessage(room, outcome.id, outcome.fields) : messageFromDraft(room, outcome.id, draft) };
      case 'muted':
      case 'reply_target_missing':
        return outcome;
    }
  }

  async findById(room: string, id: string): Promise<RoomMessage | undefined> {
    return (await this.read(room, 'XRANGE', id, id, 1))[0];
  }

  /** A root's replies after `after` (from the first without it), oldest first; undefined without the root. */
  async replies(room: string, rootId: string, after: string | undefined, limit: number): Promise<RoomMessage[] | undefined> {
    const reply = await roomScripts.readReplies.run(
      this.redis,
      [roomKeys.messages(room), roomKeys.edits(room), roomKeys.reactionCounts(room), roomKeys.thread(room, rootId)],
      [rootId, after ?? '', limit, roomKeys.threadPrefix(room)],
    );
    return reply && this.decodeRead(room, reply);
  }

  /**
   * The newest `limit` messages, oldest first; with `upTo`, the newest up to that id (included), and none when
   * it is null (the room was empty then).
   */
  async latest(room: string, limit: number, upTo?: string | null): Promise<RoomMessage[]> {
    if (upTo === null) return [];
    return (await this.read(room, 'XREVRANGE', upTo ?? '+', '-', limit)).reverse();
  }

  /** The sharded pub/sub channel on which the append script publishes the room's messages. */
  liveChannelOf(room: string): string {
    return roomKeys.live(room);
  }

  /** The id of the room's newest message, null when it has none. */
  async newestId(room: string): Promise<string | null> {
    return (await this.admission.xrevrange(roomKeys.messages(room), '+', '-', 'COUNT', 1))[0]?.[0] ?? null;
  }

  /**
   * Up to `limit` messages from `start` to `end`, oldest first, as XRANGE reads them: a bare time in ms stands for
   * the first (as start) or last (as end) id of that millisecond, `(` makes a bound exclusive.
   */
  async range(room: string, start: string, end: string, limit: number): Promise<RoomMessage[]> {
    return this.read(room, 'XRANGE', start, end, limit);
  }

  /** Ids of the room's messages deleted under a legal hold, in id order. */
  async heldDeletionIds(room: string): Promise<string[]> {
    return (await this.redis.hkeys(roomKeys.heldDeletions(room))).sort(compareStreamIds);
  }

  /** The held deletions asked for, as they were when deleted, with when and by whom; those no longer kept are left out. */
  async heldDeletions(room: string, ids: string[]): Promise<HeldDeletion[]> {
    if (ids.length === 0) return [];
    const values = await this.redis.hmget(roomKeys.heldDeletions(room), ...ids);
    return values.flatMap((value, i) => (value === null ? [] : [decodeHeldDeletion(room, ids[i], value)]));
  }

  /** Removes held deletions for good (no hold covers them any more); their attachments are returned for removal. */
  async purgeHeldDeletions(room: string, ids: string[]): Promise<StoredAttachment[]> {
    const purged = await this.heldDeletions(room, ids);
    if (ids.length > 0) await this.redis.hdel(roomKeys.heldDeletions(room), ...ids);
    return purged.flatMap((message) => message.attachments ?? []);
  }

  /** Ids of the room's tombstones (messages of erased users), in id order. */
  async tombstoneIds(room: string): Promise<string[]> {
    return (await this.redis.hkeys(roomKeys.tombstones(room))).sort(compareStreamIds);
  }

  async tombstones(room: string, ids: string[]): Promise<Tombstone[]> {
    if (ids.length === 0) return [];
    const values = await this.redis.hmget(roomKeys.tombstones(room), ...ids);
    return values.flatMap((value, i) => (value === null ? [] : [decodeTombstone(room, ids[i], value)]));
  }

  /** Tombstones past the room's age go like the messages they stood for. */
  async forgetTombstones(room: string, ids: string[]): Promise<void> {
    if (ids.length > 0) await this.redis.hdel(roomKeys.tombstones(room), ...ids);
  }

  /**
   * Turns the user's messages among `ids` into tombstones (see erase-messages.lua); returns the ids erased and
   * the attachments they carried, for removal.
   */
  async erase(room: string, userId: string, ids: string[]): Promise<{ erased: string[]; attachments: StoredAttachment[] }> {
    if (ids.length === 0) return { erased: [], attachments: [] };
    return roomScripts.erase.run(
      this.redis,
      [
        roomKeys.messages(room),
        roomKeys.edits(room),
        roomKeys.reactionCounts(room),
        roomKeys.tombstones(room),
        ...ids.map((id) => roomKeys.reactionsByUser(room, id)),
      ],
      [userId, Date.now(), ...ids],
    );
  }

  /** The user's reactions in the room: one look at who reacted to each message that has reactions. */
  async reactionsOf(room: string, userId: string): Promise<UserReaction[]> {
    const messageIds = await this.redis.hkeys(roomKeys.reactionCounts(room));
    const byMessage = await Promise.all(messageIds.map((id) => this.redis.hkeys(roomKeys.reactionsByUser(room, id))));
    const suffix = `\n${userId}`;
    return byMessage.flatMap((fields, i) =>
      fields.filter((field) => field.endsWith(suffix)).map((field) => ({ room, messageId: messageIds[i], emoji: field.slice(0, -suffix.length) })),
    );
  }

  /** The id of the last message the user read in the room, if any. */
  async lastReadOf(room: string, userId: string): Promise<string | null> {
    return this.redis.hget(roomKeys.lastRead(room), userId);
  }

  /** The user's read marker and mute in the room go. */
  async forgetMember(room: string, userId: string): Promise<void> {
    await this.redis.multi().hdel(roomKeys.lastRead(room), userId).del(roomKeys.mute(room, userId)).exec();
  }

  /** Messages strictly after `after` and/or strictly before `before`, oldest first, at most `limit`. */
  async page(room: string, range: { after?: string; before?: string }, limit: number): Promise<RoomMessage[]> {
    if (range.before === FIRST_POSSIBLE_STREAM_ID) return [];
    if (range.before && !range.after) {
      return (await this.read(room, 'XREVRANGE', `(${range.before}`, '-', limit)).reverse();
    }
    return this.read(room, 'XRANGE', range.after ? `(${range.after}` : '-', range.before ? `(${range.before}` : '+', limit);
  }

  /**
   * Everything after `since`, for a client catching up, at most `limit`. `complete` is false when the history
   * no longer reaches back to `since` (trimmed) or more than `limit` messages were missed. Read in chunks of
   * CATCHUP_CHUNK, each its own short script, so that Redis serves other clients between them instead of
   * building one reply of up to `limit` large messages. With `upTo`, only messages up to that id (included),
   * none when it is null. `trimmed`: the history no longer reaches back to `since`.
   */
  async since(room: string, since: string, limit: number, upTo?: string | null): Promise<{ messages: RoomMessage[]; complete: boolean; trimmed: boolean }> {
    const oldestId = (await this.admission.xrange(roomKeys.messages(room), '-', '+', 'COUNT', 1))[0]?.[0];
    const messages: RoomMessage[] = [];
    let after = since;
    while (messages.length <= limit && upTo !== null && !(upTo !== undefined && compareStreamIds(after, upTo) >= 0)) {
      const wanted = Math.min(CATCHUP_CHUNK, limit + 1 - messages.length);
      const chunk = await this.read(room, 'XRANGE', `(${after}`, upTo ?? '+', wanted);
      messages.push(...chunk);
      if (chunk.length < wanted) break;
      after = chunk[chunk.length - 1].id;
    }
    const trimmedPastSince = oldestId !== undefined && compareStreamIds(oldestId, since) > 0 && messages[0]?.id === oldestId;
    return { messages: messages.slice(0, limit), complete: messages.length <= limit && !trimmedPastSince, trimmed: trimmedPastSince };
  }

  /** `mentions`: those of the new content, which replace the message's (a message names whom its content names). */
  async edit(room: string, id: string, editorId: string, content: string, editedAt: number, mentions: string[]): Promise<EditResult> {
    const outcome = await roomScripts.edit.run(
      this.redis,
      [roomKeys.messages(room), roomKeys.edits(room), roomKeys.reactionCounts(room), roomKeys.mute(room, editorId), roomKeys.thread(room, id)],
      [id, editorId, content, editedAt, encodeMentions(mentions)],
    );
    if (outcome.status !== 'edited') return outcome;
    const { fields, reactions, replyCount, lastReplyId, previousEdit } = outcome;
    const previousMentions = withOverlays(decodeMessage(room, id, fields), previousEdit, null).mentions ?? [];
    const message = withOverlays(decodeMessage(room, id, fields), JSON.stringify({ content, editedAt, mentions: encodeMentions(mentions) }), reactions);
    return { status: 'edited', message: withThread(message, replyCount, lastReplyId), previousMentions };
  }

  /**
   * The message goes with its edit, its reaction counts, who reacted and its thread; its attachments are returned.
   * Under a legal hold it is archived first (see delete-message.lua), and its attachments stay.
   */
  delete(room: string, id: string, deleterId: string, mayDeleteAny: boolean, holds: DeletionHolds): Promise<DeleteResult> {
    return roomScripts.delete.run(
      this.redis,
      [
        roomKeys.messages(room),
        roomKeys.edits(room),
        roomKeys.reactionCounts(room),
        roomKeys.heldDeletions(room),
        roomKeys.reactionsByUser(room, id),
        roomKeys.thread(room, id),
      ],
      [id, deleterId, mayDeleteAny ? '1' : '0', roomKeys.threadPrefix(room), holds.isRoomHeld ? '1' : '0', holds.heldUsers.join(' '), Date.now()],
    );
  }

  /** Who reacted to messages the stream trimmed away (their counts went with them in the append script). */
  async forgetReactions(room: string, messageIds: string[]): Promise<void> {
    if (messageIds.length > 0) await this.redis.del(...messageIds.map((id) => roomKeys.reactionsByUser(room, id)));
  }

  /** The send and edit scripts refuse the user while this key lives; its TTL is the mute's remaining time. */
  async mute(room: string, userId: string, durationSec: number, details: { by: string; reason?: string }): Promise<void> {
    await this.redis.set(roomKeys.mute(room, userId), JSON.stringify(details), 'EX', durationSec);
  }

  async unmute(room: string, userId: string): Promise<boolean> {
    return (await this.redis.del(roomKeys.mute(room, userId))) === 1;
  }

  async isKnownRoom(room: string): Promise<boolean> {
    return (await this.redis.zscore(ROOM_INDEX_KEY, room)) !== null;
  }

  /** Up to `limit` room names after `after` (or from the first), in name order. */
  async rooms(after: string | undefined, limit: number): Promise<string[]> {
    return this.redis.zrangebylex(ROOM_INDEX_KEY, after === undefined ? '-' : `(${after}`, '+', 'LIMIT', 0, limit);
  }

  /** The index forgets these rooms (a later join registers them again). */
  async forgetRooms(rooms: string[]): Promise<void> {
    if (rooms.length > 0) await this.redis.zrem(ROOM_INDEX_KEY, ...rooms);
  }

  /** Epoch ms of each room's newest stored message (its stream id's time), null for an empty room. */
  async lastMessageTimes(rooms: string[]): Promise<(number | null)[]> {
    const newest = await Promise.all(rooms.map((room) => this.redis.xrevrange(roomKeys.messages(room), '+', '-', 'COUNT', 1)));
    return newest.map((entries) => (entries[0] ? timeOfStreamId(entries[0][0]) : null));
  }

  /**
   * A legal hold keeps the room's messages from expiring with the idle room: its stream and the hashes its messages
   * are served with lose their expiry. A send sets it again; the sweeper takes it off again at its next tick.
   */
  async keepFromExpiring(room: string): Promise<void> {
    const transaction = this.redis.multi();
    for (const key of this.heldKeysOf(room)) transaction.persist(key);
    await transaction.exec();
  }

  /** The hold is gone: the room expires again `ROOM_IDLE_TTL_DAYS` from now, as after a message. */
  async expireAgain(room: string): Promise<void> {
    const transaction = this.redis.multi();
    for (const key of this.heldKeysOf(room)) transaction.pexpire(key, this.roomIdleTtlMs);
    await transaction.exec();
  }

  private heldKeysOf(room: string): string[] {
    return [roomKeys.messages(room), roomKeys.edits(room), roomKeys.reactionCounts(room), roomKeys.lastRead(room), roomKeys.tombstones(room)];
  }

  async registerRoom(room: string): Promise<void> {
    await this.admission.zadd(ROOM_INDEX_KEY, 0, room);
  }

  private async read(room: string, command: 'XRANGE' | 'XREVRANGE', start: string, end: string, count: number): Promise<RoomMessage[]> {
    const reply = await roomScripts.read.run(
      this.admission,
      [roomKeys.messages(room), roomKeys.edits(room), roomKeys.reactionCounts(room)],
      [command, start, end, count, roomKeys.threadPrefix(room)],
    );
    return this.decodeRead(room, reply);
  }

  private decodeRead(room: string, [entries, edits, reactions, replyCounts, lastReplyIds]: ReadReply): RoomMessage[] {
    return entries.map(([id, fields], i) => withThread(withOverlays(decodeMessage(room, id, fields), edits[i], reactions[i]), replyCounts[i], lastReplyIds[i]));
  }
}
