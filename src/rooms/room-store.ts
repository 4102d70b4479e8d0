import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { Message, MessageAttachment, StoredMessage } from '../common/contract';
import { compareStreamIds, FIRST_POSSIBLE_STREAM_ID, timeOfStreamId } from '../redis/stream-ids';
import { REDIS_ADMISSION, REDIS_COMMANDS } from '../redis/redis.tokens';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { ROOM_INDEX_KEY, roomKeys } from './keys';
import { liveFeedParts } from './live-feed';
import { decodeMessage, encodeMentions, encodeMessage, MessageDraft, messageFromDraft, RoomMessage, StoredAttachment, withOverlays, withThread } from './message.codec';
import {
  APPEND_MESSAGE_SCRIPT, DELETE_MESSAGE_SCRIPT, EDIT_MESSAGE_SCRIPT, ERASE_MESSAGES_SCRIPT, INBOX_ENTRY_SCRIPT, MARK_READ_SCRIPT, READ_MESSAGES_SCRIPT, READ_REPLIES_SCRIPT, READ_STATE_SCRIPT, REACT_SCRIPT,
} from './room.scripts';

/** What a trim took with it, for the state kept outside the room's keys: who reacted, the search index, files. */
export interface TrimmedMessages {
  ids: string[];
  withReactions: string[];
  attachments: StoredAttachment[];
}

export type AppendResult =
  | { status: 'stored'; message: RoomMessage; trimmed: TrimmedMessages }
  | { status: 'duplicate'; message: RoomMessage }
  | { status: 'muted'; mutedForMs: number | null }
  | { status: 'reply_target_missing' };

export type EditResult =
  /** `previousMentions`: whom the message named before this edit, so that only newly named users hear of it. */
  | { status: 'edited'; message: RoomMessage; previousMentions: string[] }
  | { status: 'not_found' } | { status: 'not_author' } | { status: 'muted'; mutedForMs: number | null };
/**
 * `isArchived`: a legal hold covered the message, so it went to the room's held deletions with its attachments
 * (`attachments`: the message's, to remove, or to keep when archived).
 */
export type DeleteResult = { status: 'deleted'; attachments: StoredAttachment[]; isArchived: boolean } | { status: 'not_found' } | { status: 'not_allowed' };

/** The legal holds a deletion must honour: the room's own, and the users whose messages are held wherever they are. */
export interface DeletionHolds {
  isRoomHeld: boolean;
  heldUsers: string[];
}

export type ReactionAction = 'add' | 'remove';
export type ReactionCounts = Record<string, number>;
export type ReactResult =
  | { status: 'changed' | 'unchanged'; reactions: ReactionCounts }
  | { status: 'not_found' }
  | { status: 'too_many_emoji' };

export type MarkReadResult = 'moved' | 'unchanged' | 'not_found';

export interface ReadState {
  lastReadId: string | null;
  unreadCount: number;
}

export interface InboxEntry extends ReadState {
  room: string;
  lastMessage: RoomMessage | null;
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

type StreamEntry = [id: string, fields: string[]];

/** A mute marker's PTTL: milliseconds left, or null for a mute without end. */
const mutedFor = (pttl: number) => (pttl >= 0 ? pttl : null);
type ReadReply = [entries: StreamEntry[], edits: (string | null)[], reactions: (string | null)[], replyCounts: number[], lastReplyIds: (string | null)[]];
type AppendReply = [1, string, string[], string[], string[]] | [0, string, string[]?] | [-1, number] | [-2];
type EditReply = [1, string[], string | null, number, string | null, string | null] | [-1 | -2] | [-3, number];

interface ChatScripts {
  chatAppendMessage(stream: string, dedup: string, mute: string, edits: string, reactions: string, thread: string, ...args: (string | number)[]): Promise<AppendReply>;
  chatReadMessages(stream: string, edits: string, reactions: string, command: 'XRANGE' | 'XREVRANGE', start: string, end: string, count: number, threadPrefix: string): Promise<ReadReply>;
  chatReadReplies(stream: string, edits: string, reactions: string, thread: string, rootId: string, after: string, count: number, threadPrefix: string): Promise<ReadReply | [-1]>;
  chatEditMessage(stream: string, edits: string, reactions: string, mute: string, thread: string, id: string, editorId: string, content: string, editedAt: number, mentions: string): Promise<EditReply>;
  chatDeleteMessage(numberOfKeys: number, ...keysAndArgs: (string | number)[]): Promise<[1, string | null, 0 | 1] | [-1 | -2]>;
  reactionReact(stream: string, counts: string, byUser: string, action: ReactionAction, messageId: string, emoji: string, userId: string, maxEmoji: number): Promise<[number, string?]>;
  receiptMarkRead(lastRead: string, stream: string, userId: string, messageId: string): Promise<number>;
  receiptReadState(lastRead: string, stream: string, userId: string, cap: number): Promise<[string | null, number]>;
  inboxEntry(lastRead: string, stream: string, edits: string, reactions: string, userId: string, cap: number): Promise<InboxReply>;
  chatEraseMessages(numberOfKeys: number, ...keysAndArgs: (string | number)[]): Promise<[string[], (string | null)[]]>;
}

type InboxReply = [lastRead: string | null, unread: number, newest: StreamEntry | null, edit: string | null, reactions: string | null];

/** Rooms read per pipelined round trip of `inboxEntries`: bounds one batch's size on the Redis side. */
const INBOX_PAGE_SIZE = 100;

/**
 * The room keyspace and every script on it: one Redis Stream per room, whose id is the message id and the
 * catch-up cursor, and beside it (same `{room}` slot) dedup markers, mutes, edits, reaction counts and who
 * reacted, and read markers. Entries never change: an edit lives in the room's edits hash and a reaction count
 * in its counts hash, merged in on every read. Chat, reactions, receipts and moderation all go through here.
 */
@Injectable()
export class RoomStore {
  private readonly redis: Redis & ChatScripts;
  /** The reads and idempotent writes of a join, and the message reads it shares with history. */
  private readonly admission: Redis & ChatScripts;

  private readonly roomIdleTtlMs: number;

  constructor(@Inject(REDIS_COMMANDS) redis: Redis, @Inject(REDIS_ADMISSION) admission: Redis, @Inject(APP_CONFIG) config: AppConfig) {
    this.roomIdleTtlMs = config.roomIdleTtlDays * 86_400_000;
    redis.defineCommand('chatAppendMessage', { numberOfKeys: 8, lua: APPEND_MESSAGE_SCRIPT });
    redis.defineCommand('chatReadMessages', { numberOfKeys: 3, lua: READ_MESSAGES_SCRIPT });
    redis.defineCommand('chatReadReplies', { numberOfKeys: 4, lua: READ_REPLIES_SCRIPT });
    redis.defineCommand('chatEditMessage', { numberOfKeys: 5, lua: EDIT_MESSAGE_SCRIPT });
    redis.defineCommand('chatDeleteMessage', { lua: DELETE_MESSAGE_SCRIPT });
    redis.defineCommand('reactionReact', { numberOfKeys: 3, lua: REACT_SCRIPT });
    redis.defineCommand('receiptMarkRead', { numberOfKeys: 2, lua: MARK_READ_SCRIPT });
    redis.defineCommand('receiptReadState', { numberOfKeys: 2, lua: READ_STATE_SCRIPT });
    redis.defineCommand('inboxEntry', { numberOfKeys: 4, lua: INBOX_ENTRY_SCRIPT });
    redis.defineCommand('chatEraseMessages', { lua: ERASE_MESSAGES_SCRIPT });
    this.redis = redis as Redis & ChatScripts;
    this.admission = admission as Redis & ChatScripts;
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
    const reply = await this.redis.chatAppendMessage(
      stream,
      dedup,
      roomKeys.mute(room, draft.userId),
      roomKeys.edits(room),
      roomKeys.reactionCounts(room),
      draft.replyTo ? roomKeys.thread(room, draft.replyTo) : stream,
      roomKeys.lastRead(room),
      roomKeys.tombstones(room),
      maxLength,
      draft.clientMsgId ? dedupWindowSec : 0,
      draft.replyTo ?? '',
      roomKeys.threadPrefix(room),
      this.roomIdleTtlMs,
      roomKeys.live(room),
      ...liveFeedParts(room, draft, live.exceptConnection, live.attachments),
      ...encodeMessage(draft),
    );
    switch (reply[0]) {
      case 1: {
        const [, id, withReactions, ids, attachments] = reply;
        const trimmed = { ids, withReactions, attachments: attachments.flatMap((json) => JSON.parse(json) as StoredAttachment[]) };
        return { status: 'stored', message: messageFromDraft(room, id, draft), trimmed };
      }
      case 0: {
        const [, id, fields] = reply;
        return { status: 'duplicate', message: fields ? decodeMessage(room, id, fields) : messageFromDraft(room, id, draft) };
      }
      case -1:
        return { status: 'muted', mutedForMs: mutedFor(reply[1]) };
      case -2:
        return { status: 'reply_target_missing' };
    }
  }

  async findById(room: string, id: string): Promise<RoomMessage | undefined> {
    return (await this.read(room, 'XRANGE', id, id, 1))[0];
  }

  /** A root's replies after `after` (from the first without it), oldest first; undefined without the root. */
  async replies(room: string, rootId: string, after: string | undefined, limit: number): Promise<RoomMessage[] | undefined> {
    const reply = await this.redis.chatReadReplies(
      roomKeys.messages(room), roomKeys.edits(room), roomKeys.reactionCounts(room), roomKeys.thread(room, rootId), rootId, after ?? '', limit, roomKeys.threadPrefix(room),
    );
    return reply[0] === -1 ? undefined : this.decodeRead(room, reply as ReadReply);
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
   * Turns the user's messages among `ids` into tombstones (see ERASE_MESSAGES_SCRIPT); returns the ids erased and
   * the attachments they carried, for removal.
   */
  async erase(room: string, userId: string, ids: string[]): Promise<{ erased: string[]; attachments: StoredAttachment[] }> {
    if (ids.length === 0) return { erased: [], attachments: [] };
    const keys = [roomKeys.messages(room), roomKeys.edits(room), roomKeys.reactionCounts(room), roomKeys.tombstones(room), ...ids.map((id) => roomKeys.reactionsByUser(room, id))];
    const [erased, attachments] = await this.redis.chatEraseMessages(keys.length, ...keys, userId, Date.now(), ...ids);
    return { erased, attachments: attachments.flatMap((json) => (json ? (JSON.parse(json) as StoredAttachment[]) : [])) };
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
    const reply = await this.redis.chatEditMessage(
      roomKeys.messages(room), roomKeys.edits(room), roomKeys.reactionCounts(room), roomKeys.mute(room, editorId), roomKeys.thread(room, id), id, editorId, content, editedAt,
      encodeMentions(mentions),
    );
    if (reply[0] === -1) return { status: 'not_found' };
    if (reply[0] === -2) return { status: 'not_author' };
    if (reply[0] === -3) return { status: 'muted', mutedForMs: mutedFor(reply[1]) };
    const [, fields, reactions, replyCount, lastReplyId, previousEdit] = reply as Extract<EditReply, [1, ...unknown[]]>;
    const previousMentions = withOverlays(decodeMessage(room, id, fields), previousEdit, null).mentions ?? [];
    const message = withOverlays(decodeMessage(room, id, fields), JSON.stringify({ content, editedAt, mentions: encodeMentions(mentions) }), reactions);
    return { status: 'edited', message: withThread(message, replyCount, lastReplyId), previousMentions };
  }

  /**
   * The message goes with its edit, its reaction counts, who reacted and its thread; its attachments are returned.
   * Under a legal hold it is archived first (see DELETE_MESSAGE_SCRIPT), and its attachments stay.
   */
  async delete(room: string, id: string, deleterId: string, mayDeleteAny: boolean, holds: DeletionHolds): Promise<DeleteResult> {
    const keys = [
      roomKeys.messages(room), roomKeys.edits(room), roomKeys.reactionCounts(room), roomKeys.heldDeletions(room), roomKeys.reactionsByUser(room, id), roomKeys.thread(room, id),
    ];
    const reply = await this.redis.chatDeleteMessage(
      keys.length, ...keys, id, deleterId, mayDeleteAny ? '1' : '0', roomKeys.threadPrefix(room), holds.isRoomHeld ? '1' : '0', holds.heldUsers.join(' '), Date.now(),
    );
    if (reply[0] === 1) {
      const isArchived = reply[2] === 1;
      return { status: 'deleted', isArchived, attachments: reply[1] ? (JSON.parse(reply[1]) as StoredAttachment[]) : [] };
    }
    return reply[0] === -1 ? { status: 'not_found' } : { status: 'not_allowed' };
  }

  /** Who reacted to messages the stream trimmed away (their counts went with them in the append script). */
  async forgetReactions(room: string, messageIds: string[]): Promise<void> {
    if (messageIds.length > 0) await this.redis.del(...messageIds.map((id) => roomKeys.reactionsByUser(room, id)));
  }

  async react(room: string, messageId: string, action: ReactionAction, emoji: string, userId: string, maxEmoji: number): Promise<ReactResult> {
    const [status, counts] = await this.redis.reactionReact(
      roomKeys.messages(room), roomKeys.reactionCounts(room), roomKeys.reactionsByUser(room, messageId), action, messageId, emoji, userId, maxEmoji,
    );
    if (status === -1) return { status: 'not_found' };
    if (status === -2) return { status: 'too_many_emoji' };
    return { status: status === 1 ? 'changed' : 'unchanged', reactions: JSON.parse(counts!) as ReactionCounts };
  }

  async markRead(room: string, userId: string, messageId: string): Promise<MarkReadResult> {
    const status = await this.redis.receiptMarkRead(roomKeys.lastRead(room), roomKeys.messages(room), userId, messageId);
    return status === 1 ? 'moved' : status === 0 ? 'unchanged' : 'not_found';
  }

  async readState(room: string, userId: string, unreadCap: number): Promise<ReadState> {
    const [lastReadId, unreadCount] = await this.admission.receiptReadState(roomKeys.lastRead(room), roomKeys.messages(room), userId, unreadCap);
    return { lastReadId, unreadCount };
  }

  /**
   * Each room's read state for the user and its newest message, a page of rooms per round trip: the page's
   * scripts are issued together and auto-pipelining sends them as one batch.
   */
  async inboxEntries(rooms: string[], userId: string, unreadCap: number): Promise<InboxEntry[]> {
    const entries: InboxEntry[] = [];
    for (let start = 0; start < rooms.length; start += INBOX_PAGE_SIZE) {
      const page = rooms.slice(start, start + INBOX_PAGE_SIZE);
      const replies = await Promise.all(page.map((room) => this.redis.inboxEntry(
        roomKeys.lastRead(room), roomKeys.messages(room), roomKeys.edits(room), roomKeys.reactionCounts(room), userId, unreadCap,
      )));
      replies.forEach(([lastReadId, unreadCount, newest, edit, reactions], i) => {
        const room = page[i];
        const lastMessage = newest ? withOverlays(decodeMessage(room, newest[0], newest[1]), edit, reactions) : null;
        entries.push({ room, lastReadId, unreadCount, lastMessage });
      });
    }
    return entries;
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
    const reply = await this.admission.chatReadMessages(
      roomKeys.messages(room), roomKeys.edits(room), roomKeys.reactionCounts(room), command, start, end, count, roomKeys.threadPrefix(room),
    );
    return this.decodeRead(room, reply);
  }

  private decodeRead(room: string, [entries, edits, reactions, replyCounts, lastReplyIds]: ReadReply): RoomMessage[] {
    return entries.map(([id, fields], i) => withThread(withOverlays(decodeMessage(room, id, fields), edits[i], reactions[i]), replyCounts[i], lastReplyIds[i]));
  }
}
