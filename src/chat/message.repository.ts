import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { Message } from '../common/contract';
import { REDIS_COMMANDS } from '../redis/redis.tokens';
import { ROOM_INDEX_KEY, roomKeys } from './keys';
import { compareMessageIds, decodeMessage, encodeMessage, MessageDraft, messageFromDraft } from './message.codec';
import { APPEND_MESSAGE_SCRIPT } from './message.scripts';

export type AppendResult =
  | { status: 'stored'; message: Message }
  | { status: 'duplicate'; message: Message }
  | { status: 'muted'; mutedForMs: number | null }
  | { status: 'reply_target_missing' };

type StreamEntry = [id: string, fields: string[]];

interface ChatScripts {
  chatAppendMessage(stream: string, dedup: string, mute: string, ...args: (string | number)[]): Promise<[number, string?, string[]?] | [number, number]>;
}

/** One Redis Stream per room; the stream id is the message id and the catch-up cursor. */
@Injectable()
export class MessageRepository {
  private readonly redis: Redis & ChatScripts;

  constructor(@Inject(REDIS_COMMANDS) redis: Redis) {
    redis.defineCommand('chatAppendMessage', { numberOfKeys: 3, lua: APPEND_MESSAGE_SCRIPT });
    this.redis = redis as Redis & ChatScripts;
  }

  async appendIfNew(room: string, draft: MessageDraft, maxLength: number, dedupWindowSec: number): Promise<AppendResult> {
    const stream = roomKeys.messages(room);
    const dedup = draft.clientMsgId ? roomKeys.dedup(room, draft.userId, draft.clientMsgId) : stream;
    const reply = await this.redis.chatAppendMessage(
      stream,
      dedup,
      roomKeys.mute(room, draft.userId),
      maxLength,
      draft.clientMsgId ? dedupWindowSec : 0,
      draft.replyTo ?? '',
      ...encodeMessage(draft),
    );
    switch (reply[0]) {
      case 1:
        return { status: 'stored', message: messageFromDraft(room, reply[1] as string, draft) };
      case 0: {
        const [, id, fields] = reply as [number, string, string[]?];
        return { status: 'duplicate', message: fields ? decodeMessage(room, id, fields) : messageFromDraft(room, id, draft) };
      }
      case -1: {
        const pttl = reply[1] as number;
        return { status: 'muted', mutedForMs: pttl >= 0 ? pttl : null };
      }
      default:
        return { status: 'reply_target_missing' };
    }
  }

  /** The newest `limit` messages, oldest first. */
  async latest(room: string, limit: number): Promise<Message[]> {
    const entries = await this.redis.xrevrange(roomKeys.messages(room), '+', '-', 'COUNT', limit);
    return this.decode(room, entries.reverse());
  }

  /** Messages strictly after `after` and/or strictly before `before`, oldest first, at most `limit`. */
  async page(room: string, range: { after?: string; before?: string }, limit: number): Promise<Message[]> {
    const key = roomKeys.messages(room);
    if (range.before && !range.after) {
      const entries = await this.redis.xrevrange(key, `(${range.before}`, '-', 'COUNT', limit);
      return this.decode(room, entries.reverse());
    }
    const entries = await this.redis.xrange(key, range.after ? `(${range.after}` : '-', range.before ? `(${range.before}` : '+', 'COUNT', limit);
    return this.decode(room, entries);
  }

  /**
   * Everything after `since`, for a client catching up. `complete` is false when the history no longer
   * reaches back to `since` (trimmed) or more than `limit` messages were missed.
   */
  async since(room: string, since: string, limit: number): Promise<{ messages: Message[]; complete: boolean }> {
    const key = roomKeys.messages(room);
    const [entries, oldest] = await Promise.all([
      this.redis.xrange(key, `(${since}`, '+', 'COUNT', limit + 1),
      this.redis.xrange(key, '-', '+', 'COUNT', 1),
    ]);
    const trimmedPastSince = oldest.length > 0 && compareMessageIds(oldest[0][0], since) > 0 && entries.length > 0 && entries[0][0] === oldest[0][0];
    const complete = entries.length <= limit && !trimmedPastSince;
    return { messages: this.decode(room, entries.slice(0, limit)), complete };
  }

  async registerRoom(room: string): Promise<void> {
    await this.redis.sadd(ROOM_INDEX_KEY, room);
  }

  private decode(room: string, entries: StreamEntry[]): Message[] {
    return entries.map(([id, fields]) => decodeMessage(room, id, fields));
  }
}
