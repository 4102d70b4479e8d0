import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { REDIS_COMMANDS } from '../redis/redis.tokens';
import { ATTACH_SCRIPT } from './attachment.scripts';
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
}

/** The only code that knows the attachment keys. */
@Injectable()
export class AttachmentRepository {
  private readonly redis: Redis & AttachmentScripts;

  constructor(@Inject(REDIS_COMMANDS) redis: Redis) {
    redis.defineCommand('attachmentAttach', { lua: ATTACH_SCRIPT });
    this.redis = redis as Redis & AttachmentScripts;
  }

  /** A pending attachment, forgotten after `ttlSec` unless a message claims it. */
  async create(room: string, record: AttachmentRecord, ttlSec: number): Promise<void> {
    const key = attachmentKeys.metadata(room, record.id);
    const { id: _id, ...fields } = record;
    await this.redis.multi().hset(key, { ...fields, size: String(fields.size), createdAt: String(fields.createdAt) }).expire(key, ttlSec).exec();
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
