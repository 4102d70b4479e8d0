import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { REDIS_COMMANDS } from '../redis/redis.tokens';
import { roomKeys } from '../rooms/keys';
import { ReactionAction, reactionScripts, ReactResult } from './reaction.scripts';

/**
 * A user's reaction to a message, in the room's keys (`roomKeys`: the room store serves the counts with every read
 * and removes them with their message, so the keys are the room keyspace's; the script that changes them is here).
 */
@Injectable()
export class ReactionRepository {
  constructor(@Inject(REDIS_COMMANDS) private readonly redis: Redis) {}

  react(room: string, messageId: string, action: ReactionAction, emoji: string, userId: string, maxEmoji: number): Promise<ReactResult> {
    return reactionScripts.react.run(
      this.redis,
      [roomKeys.messages(room), roomKeys.reactionCounts(room), roomKeys.reactionsByUser(room, messageId)],
      [action, messageId, emoji, userId, maxEmoji],
    );
  }
}
