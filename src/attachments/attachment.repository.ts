import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { REDIS_COMMANDS } from '../redis/redis.tokens';
import { ATTACH_SCRIPT, CHARGE_QUOTA_SCRIPT } from './attachment.scripts';
import { attachmentKeys } from './keys';

export type AttachmentState = 'pending' | 'attached';

export interface AttachmentRecord {
  id: string;
  owner: string;
  filename: string;
  contentType: string;
  size: number;
  state: AttachmentState;
  createdAt: number;
}

interface AttachmentScripts {
  attachmentAttach(numberOfKeys: number, ...keysAndArgs: string[]): Promise<number>;
  attachmentChargeQuota(counter: string, bytes: number, quota: number, ttlSec: number): Promise<number>;
}

/** A day's counter outlives its day by one, so that a clock a little behind Redis's still finds it. */
const QUOTA_COUNTER_TTL_SEC = 2 * 86_400;

/** The only code that knows the attachment keys. */
@Injectable()
export class AttachmentRepository {
  private readonly redis: Redis & AttachmentScripts;

  constructor(@Inject(REDIS_COMMANDS) redis: Redis) {
    redis.defineCommand('attachmentAttach', { lua: ATTACH_SCRIPT });
    redis.defineCommand('attachmentChargeQuota', { numberOfKeys: 1, lua: CHARGE_QUOTA_SCRIPT });
    this.redis = redis as Redis & AttachmentScripts;
  }

  /** A pending attachment, forgotten after `ttlSec` unless a message claims it. */
  async create(room: string, record: AttachmentRecord, ttlSec: number): Promise<void> {
    const key = attachmentKeys.metadata(room, record.id);
    const { id: _id, ...fields } = record;
    await this.redis.multi().hset(key, { ...fields, size: String(fields.size), createdAt: String(fields.createdAt) }).expire(key, ttlSec).exec();
  }

  /**
   * Counts `bytes` against the user's quota of the UTC day of `now` (epoch ms); false, counting nothing, when
   * they would pass `quotaBytes`.
   */
  async chargeDailyQuota(userId: string, bytes: number, quotaBytes: number, now: number): Promise<boolean> {
    const day = new Date(now).toISOString().slice(0, 10);
    return (await this.redis.attachmentChargeQuota(attachmentKeys.dailyQuota(userId, day), bytes, quotaBytes, QUOTA_COUNTER_TTL_SEC)) === 1;
  }

  /** The records in the order of `ids`; undefined where none is stored. */
  async find(room: string, ids: string[]): Promise<(AttachmentRecord | undefined)[]> {
    const hashes = await Promise.all(ids.map((id) => this.redis.hgetall(attachmentKeys.metadata(room, id))));
    return hashes.map((hash, index) =>
      hash.owner === undefined
        ? undefined
        : {
            id: ids[index],
            owner: hash.owner,
            filename: hash.filename,
            contentType: hash.contentType,
            size: Number(hash.size),
            state: hash.state as AttachmentState,
            createdAt: Number(hash.createdAt),
          },
    );
  }

  /** Claims all of `ids` for a message of `owner`, atomically; the id that could not be claimed, if any. */
  async attach(room: string, owner: string, ids: string[]): Promise<string | undefined> {
    const failed = await this.redis.attachmentAttach(ids.length, ...ids.map((id) => attachmentKeys.metadata(room, id)), owner);
    return failed === 0 ? undefined : ids[failed - 1];
  }

  async remove(room: string, ids: string[]): Promise<void> {
    if (ids.length > 0) await this.redis.del(...ids.map((id) => attachmentKeys.metadata(room, id)));
  }
}
