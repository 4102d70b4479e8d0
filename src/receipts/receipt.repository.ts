import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { REDIS_ADMISSION, REDIS_COMMANDS } from '../redis/redis.tokens';
import { roomKeys } from '../rooms/keys';
import { MarkReadResult, ReadState, receiptScripts } from './receipt.scripts';

/**
 * Read markers, in the room's keys (`roomKeys.lastRead`: the room store gives them the stream's lifetime and forgets
 * a member's; the scripts that move and read them are here).
 */
@Injectable()
export class ReceiptRepository {
  constructor(
    @Inject(REDIS_COMMANDS) private readonly redis: Redis,
    /** A join's read state: a read, so it may wait out a storm. */
    @Inject(REDIS_ADMISSION) private readonly admission: Redis,
  ) {}

  markRead(room: string, userId: string, messageId: string): Promise<MarkReadResult> {
    return receiptScripts.markRead.run(this.redis, [roomKeys.lastRead(room), roomKeys.messages(room)], [userId, messageId]);
  }

  readState(room: string, userId: string, unreadCap: number): Promise<ReadState> {
    return receiptScripts.readState.run(this.admission, [roomKeys.lastRead(room), roomKeys.messages(room)], [userId, unreadCap]);
  }
}
