import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { REDIS_COMMANDS } from '../redis/redis.tokens';
import { roomKeys } from '../rooms/keys';
import { LIFETIME_REFRESH_SLACK_MS } from '../rooms/room.scripts';
import { attachmentScripts, ClaimedLifetime } from './attachment.scripts';
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

/** A claimed attachment as the sweep of expired rooms finds it. */
export interface ClaimedAttachment {
  id: string;
  room: string;
}

export type { ClaimedLifetime } from './attachment.scripts';

/** A day's counter outlives its day by one, so that a clock a little behind Redis's still finds it. */
const QUOTA_COUNTER_TTL_SEC = 2 * 86_400;

/** The only code that knows the attachment keys. */
@Injectable()
export class AttachmentRepository {
  constructor(@Inject(REDIS_COMMANDS) private readonly redis: Redis) {}

  /** A pending attachment, forgotten after `ttlSec` unless a message claims it. */
  async create(room: string, record: AttachmentRecord, ttlSec: number): Promise<void> {
    const key = attachmentKeys.metadata(room, record.id);
    const { id: _id, ...fields } = record;
    await this.redis
      .multi()
      .hset(key, { ...fields, size: String(fields.size), createdAt: String(fields.createdAt) })
      .expire(key, ttlSec)
      .exec();
  }

  /**
   * Counts `bytes` against the user's quota of the UTC day of `now` (epoch ms); false, counting nothing, when
   * they would pass `quotaBytes`.
   */
  chargeDailyQuota(userId: string, bytes: number, quotaBytes: number, now: number): Promise<boolean> {
    const day = new Date(now).toISOString().slice(0, 10);
    return attachmentScripts.chargeQuota.run(this.redis, [attachmentKeys.dailyQuota(userId, day)], [bytes, quotaBytes, QUOTA_COUNTER_TTL_SEC]);
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

  /**
   * Claims all of `ids` for a message of `owner`, atomically, to expire with the room's messages (`roomLifetimeMs`:
   * ROOM_IDLE_TTL_DAYS); the id that could not be claimed, if any. They join the claimed set, first checked by the
   * sweep at `checkAt` (epoch ms): sent with the claim, in the same round trip.
   */
  async attach(room: string, owner: string, ids: string[], roomLifetimeMs: number, checkAt: number): Promise<string | undefined> {
    const [failed] = await Promise.all([
      attachmentScripts.attach.run(
        this.redis,
        [roomKeys.messages(room), ...ids.map((id) => attachmentKeys.metadata(room, id))],
        [owner, roomLifetimeMs, LIFETIME_REFRESH_SLACK_MS],
      ),
      this.redis.zadd(attachmentKeys.claimed, ...ids.flatMap((id) => [checkAt, claimedMember({ id, room })])),
    ]);
    return failed === undefined ? undefined : ids[failed];
  }

  /** A legal hold keeps these attachments of a deleted message: their metadata no longer expires with the room. */
  async keepForHold(room: string, ids: string[]): Promise<void> {
    await Promise.all(ids.map((id) => this.redis.persist(attachmentKeys.metadata(room, id))));
  }

  async remove(room: string, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await Promise.all([
      this.redis.del(...ids.map((id) => attachmentKeys.metadata(room, id))),
      this.redis.zrem(attachmentKeys.claimed, ...ids.map((id) => claimedMember({ id, room }))),
    ]);
  }

  /** Claimed attachments due for a check at `now` (epoch ms), soonest first. */
  async dueClaimed(now: number, limit: number): Promise<ClaimedAttachment[]> {
    const members = await this.redis.zrangebyscore(attachmentKeys.claimed, '-inf', now, 'LIMIT', 0, limit);
    return members.map((member) => {
      const space = member.indexOf(' ');
      return { id: member.slice(0, space), room: member.slice(space + 1) };
    });
  }

  /** Renews a claimed attachment's lifetime to its room's (see renew-claimed.lua). */
  renewClaimed({ id, room }: ClaimedAttachment): Promise<ClaimedLifetime> {
    return attachmentScripts.renewClaimed.run(this.redis, [attachmentKeys.metadata(room, id), roomKeys.messages(room)], []);
  }

  async checkClaimedAgainAt(attachment: ClaimedAttachment, at: number): Promise<void> {
    await this.redis.zadd(attachmentKeys.claimed, 'XX', at, claimedMember(attachment));
  }

  async forgetClaimed(attachment: ClaimedAttachment): Promise<void> {
    await this.redis.zrem(attachmentKeys.claimed, claimedMember(attachment));
  }
}

function claimedMember({ id, room }: ClaimedAttachment): string {
  return `${id} ${room}`;
}
