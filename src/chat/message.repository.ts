import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { Message } from '../common/contract';
import { FIRST_POSSIBLE_STREAM_ID } from '../redis/stream-ids';
import { REDIS_COMMANDS } from '../redis/redis.tokens';
import { ROOM_INDEX_KEY, roomKeys } from './keys';
import { compareMessageIds, decodeMessage, encodeMessage, MessageDraft, messageFromDraft, withOverlays } from './message.codec';
import { APPEND_MESSAGE_SCRIPT, DELETE_MESSAGE_SCRIPT, EDIT_MESSAGE_SCRIPT, READ_MESSAGES_SCRIPT } from './message.scripts';

export type AppendResult =
  | { status: 'stored'; message: Message; trimmedWithReactions: string[] }
  | { status: 'duplicate'; message: Message }
  | { status: 'muted'; mutedForMs: number | null }
  | { status: 'reply_target_missing' };

export type EditResult = { status: 'edited'; message: Message } | { status: 'not_found' } | { status: 'not_author' } | { status: 'muted'; mutedForMs: number | null };
export type DeleteResult = 'deleted' | 'not_found' | 'not_allowed';

type StreamEntry = [id: string, fields: string[]];

/** A mute marker's PTTL: milliseconds left, or null for a mute without end. */
const mutedFor = (pttl: number) => (pttl >= 0 ? pttl : null);
type ReadReply = [entries: StreamEntry[], edits: (string | null)[], reactions: (string | null)[]];

interface ChatScripts {
  chatAppendMessage(stream: string, dedup: string, mute: string, edits: string, reactions: string, ...args: (string | number)[]): Promise<[number, string?, string[]?] | [number, number]>;
  chatReadMessages(stream: string, edits: string, reactions: string, command: 'XRANGE' | 'XREVRANGE', start: string, end: string, count: number): Promise<ReadReply>;
  chatEditMessage(stream: string, edits: string, reactions: string, mute: string, id: string, editorId: string, content: string, editedAt: number): Promise<[number, (string[] | number)?, (string | null)?]>;
  chatDeleteMessage(numberOfKeys: number, ...keysAndArgs: string[]): Promise<[number]>;
}

/**
 * One Redis Stream per room; the stream id is the message id and the catch-up cursor. Entries never change:
 * an edit lives in the room's edits hash and a reaction count in its counts hash, merged in on every read.
 */
@Injectable()
export class MessageRepository {
  private readonly redis: Redis & ChatScripts;

  constructor(@Inject(REDIS_COMMANDS) redis: Redis) {
    redis.defineCommand('chatAppendMessage', { numberOfKeys: 5, lua: APPEND_MESSAGE_SCRIPT });
    redis.defineCommand('chatReadMessages', { numberOfKeys: 3, lua: READ_MESSAGES_SCRIPT });
    redis.defineCommand('chatEditMessage', { numberOfKeys: 4, lua: EDIT_MESSAGE_SCRIPT });
    redis.defineCommand('chatDeleteMessage', { lua: DELETE_MESSAGE_SCRIPT });
    this.redis = redis as Redis & ChatScripts;
  }

  async appendIfNew(room: string, draft: MessageDraft, maxLength: number, dedupWindowSec: number): Promise<AppendResult> {
    const stream = roomKeys.messages(room);
    const dedup = draft.clientMsgId ? roomKeys.dedup(room, draft.userId, draft.clientMsgId) : stream;
    const reply = await this.redis.chatAppendMessage(
      stream,
      dedup,
      roomKeys.mute(room, draft.userId),
      roomKeys.edits(room),
      roomKeys.reactionCounts(room),
      maxLength,
      draft.clientMsgId ? dedupWindowSec : 0,
      draft.replyTo ?? '',
      ...encodeMessage(draft),
    );
    switch (reply[0]) {
      case 1:
        return { status: 'stored', message: messageFromDraft(room, reply[1] as string, draft), trimmedWithReactions: (reply[2] as string[] | undefined) ?? [] };
      case 0: {
        const [, id, fields] = reply as [number, string, string[]?];
        return { status: 'duplicate', message: fields ? decodeMessage(room, id, fields) : messageFromDraft(room, id, draft) };
      }
      case -1:
        return { status: 'muted', mutedForMs: mutedFor(reply[1] as number) };
      default:
        return { status: 'reply_target_missing' };
    }
  }

  async findById(room: string, id: string): Promise<Message | undefined> {
    return (await this.read(room, 'XRANGE', id, id, 1))[0];
  }

  /** The newest `limit` messages, oldest first. */
  async latest(room: string, limit: number): Promise<Message[]> {
    return (await this.read(room, 'XREVRANGE', '+', '-', limit)).reverse();
  }

  /** Messages strictly after `after` and/or strictly before `before`, oldest first, at most `limit`. */
  async page(room: string, range: { after?: string; before?: string }, limit: number): Promise<Message[]> {
    if (range.before === FIRST_POSSIBLE_STREAM_ID) return [];
    if (range.before && !range.after) {
      return (await this.read(room, 'XREVRANGE', `(${range.before}`, '-', limit)).reverse();
    }
    return this.read(room, 'XRANGE', range.after ? `(${range.after}` : '-', range.before ? `(${range.before}` : '+', limit);
  }

  /**
   * Everything after `since`, for a client catching up. `complete` is false when the history no longer
   * reaches back to `since` (trimmed) or more than `limit` messages were missed.
   */
  async since(room: string, since: string, limit: number): Promise<{ messages: Message[]; complete: boolean }> {
    const [messages, oldest] = await Promise.all([
      this.read(room, 'XRANGE', `(${since}`, '+', limit + 1),
      this.redis.xrange(roomKeys.messages(room), '-', '+', 'COUNT', 1),
    ]);
    const oldestId = oldest[0]?.[0];
    const trimmedPastSince = oldestId !== undefined && compareMessageIds(oldestId, since) > 0 && messages[0]?.id === oldestId;
    return { messages: messages.slice(0, limit), complete: messages.length <= limit && !trimmedPastSince };
  }

  async edit(room: string, id: string, editorId: string, content: string, editedAt: number): Promise<EditResult> {
    const [status, fieldsOrMuteTtl, reactions] = await this.redis.chatEditMessage(
      roomKeys.messages(room), roomKeys.edits(room), roomKeys.reactionCounts(room), roomKeys.mute(room, editorId), id, editorId, content, editedAt,
    );
    if (status === -1) return { status: 'not_found' };
    if (status === -2) return { status: 'not_author' };
    if (status === -3) return { status: 'muted', mutedForMs: mutedFor(fieldsOrMuteTtl as number) };
    const message = withOverlays(decodeMessage(room, id, fieldsOrMuteTtl as string[]), JSON.stringify({ content, editedAt }), reactions ?? null);
    return { status: 'edited', message };
  }

  /** `extraKeys`: per-message state other features keep in the room's slot, removed with the message. */
  async delete(room: string, id: string, deleterId: string, mayDeleteAny: boolean, extraKeys: string[] = []): Promise<DeleteResult> {
    const keys = [roomKeys.messages(room), roomKeys.edits(room), roomKeys.reactionCounts(room), ...extraKeys];
    const [status] = await this.redis.chatDeleteMessage(keys.length, ...keys, id, deleterId, mayDeleteAny ? '1' : '0');
    return status === 1 ? 'deleted' : status === -1 ? 'not_found' : 'not_allowed';
  }

  /** Per-message state other features keep, for messages that are gone (all keys in the room's slot). */
  async forget(keys: string[]): Promise<void> {
    if (keys.length > 0) await this.redis.del(...keys);
  }

  async registerRoom(room: string): Promise<void> {
    await this.redis.sadd(ROOM_INDEX_KEY, room);
  }

  private async read(room: string, command: 'XRANGE' | 'XREVRANGE', start: string, end: string, count: number): Promise<Message[]> {
    const [entries, edits, reactions] = await this.redis.chatReadMessages(
      roomKeys.messages(room), roomKeys.edits(room), roomKeys.reactionCounts(room), command, start, end, count,
    );
    return entries.map(([id, fields], i) => withOverlays(decodeMessage(room, id, fields), edits[i], reactions[i]));
  }
}
