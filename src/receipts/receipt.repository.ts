import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { roomKeys } from '../chat/keys';
import { STREAM_AUTHOR_FIELD } from '../chat/message.codec';
import { REDIS_COMMANDS } from '../redis/redis.tokens';
import { receiptKeys } from './keys';
import { MARK_READ_SCRIPT, READ_STATE_SCRIPT } from './receipt.scripts';

export type MarkReadResult = 'moved' | 'unchanged' | 'not_found';

export interface ReadState {
  lastReadId: string | null;
  unreadCount: number;
}

interface ReceiptScripts {
  receiptMarkRead(lastRead: string, stream: string, userId: string, messageId: string): Promise<number>;
  receiptReadState(lastRead: string, stream: string, userId: string, cap: number, authorField: string): Promise<[string | null, number]>;
}

@Injectable()
export class ReceiptRepository {
  private readonly redis: Redis & ReceiptScripts;

  constructor(@Inject(REDIS_COMMANDS) redis: Redis) {
    redis.defineCommand('receiptMarkRead', { numberOfKeys: 2, lua: MARK_READ_SCRIPT });
    redis.defineCommand('receiptReadState', { numberOfKeys: 2, lua: READ_STATE_SCRIPT });
    this.redis = redis as Redis & ReceiptScripts;
  }

  async markRead(room: string, userId: string, messageId: string): Promise<MarkReadResult> {
    const status = await this.redis.receiptMarkRead(receiptKeys.lastRead(room), roomKeys.messages(room), userId, messageId);
    return status === 1 ? 'moved' : status === 0 ? 'unchanged' : 'not_found';
  }

  async readState(room: string, userId: string, unreadCap: number): Promise<ReadState> {
    const [lastReadId, unreadCount] = await this.redis.receiptReadState(
      receiptKeys.lastRead(room), roomKeys.messages(room), userId, unreadCap, STREAM_AUTHOR_FIELD,
    );
    return { lastReadId, unreadCount };
  }
}
