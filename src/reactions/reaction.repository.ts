import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { roomKeys } from '../chat/keys';
import { REDIS_COMMANDS } from '../redis/redis.tokens';
import { reactionKeys } from './keys';
import { REACT_SCRIPT } from './reaction.scripts';

export type ReactionAction = 'add' | 'remove';
export type ReactionCounts = Record<string, number>;

export type ReactResult =
  | { status: 'changed' | 'unchanged'; reactions: ReactionCounts }
  | { status: 'not_found' }
  | { status: 'too_many_emoji' };

interface ReactionScripts {
  reactionReact(stream: string, counts: string, byUser: string, action: ReactionAction, messageId: string, emoji: string, userId: string, maxEmoji: number): Promise<[number, string?]>;
}

@Injectable()
export class ReactionRepository {
  private readonly redis: Redis & ReactionScripts;

  constructor(@Inject(REDIS_COMMANDS) redis: Redis) {
    redis.defineCommand('reactionReact', { numberOfKeys: 3, lua: REACT_SCRIPT });
    this.redis = redis as Redis & ReactionScripts;
  }

  async react(room: string, messageId: string, action: ReactionAction, emoji: string, userId: string, maxEmoji: number): Promise<ReactResult> {
    const [status, counts] = await this.redis.reactionReact(
      roomKeys.messages(room), roomKeys.reactionCounts(room), reactionKeys.byUser(room, messageId), action, messageId, emoji, userId, maxEmoji,
    );
    if (status === -1) return { status: 'not_found' };
    if (status === -2) return { status: 'too_many_emoji' };
    return { status: status === 1 ? 'changed' : 'unchanged', reactions: JSON.parse(counts!) as ReactionCounts };
  }

  /** The per-message keys a message deletion removes with it. */
  keysOf(room: string, messageId: string): string[] {
    return [reactionKeys.byUser(room, messageId)];
  }
}
