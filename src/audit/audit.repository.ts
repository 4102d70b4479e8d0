import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { FIRST_POSSIBLE_STREAM_ID } from '../redis/stream-ids';
import { REDIS_COMMANDS } from '../redis/redis.tokens';
import { AuditEntry, AuditRecord } from './audit-actions';
import { AUDIT_STREAM_KEY } from './keys';

@Injectable()
export class AuditRepository {
  constructor(@Inject(REDIS_COMMANDS) private readonly redis: Redis) {}

  /** Exact MAXLEN, not `~`: the bound is a retention promise, and trimming one entry per append is cheap. */
  async append(record: AuditRecord, maxEntries: number): Promise<string> {
    const id = await this.redis.xadd(
      AUDIT_STREAM_KEY,
      'MAXLEN',
      maxEntries,
      '*',
      'actor',
      record.actor,
      'action',
      record.action,
      'target',
      JSON.stringify(record.target),
      'details',
      JSON.stringify(record.details ?? {}),
    );
    return id as string;
  }

  /** Up to `count` entries strictly older than `before` (or the newest), newest first. */
  async newestFirst(before: string | undefined, count: number): Promise<AuditEntry[]> {
    if (before === FIRST_POSSIBLE_STREAM_ID) return [];
    const entries = await this.redis.xrevrange(AUDIT_STREAM_KEY, before ? `(${before}` : '+', '-', 'COUNT', count);
    return entries.map(([id, fields]) => decodeEntry(id, fields));
  }
}

function decodeEntry(id: string, fields: string[]): AuditEntry {
  const values: Record<string, string> = {};
  for (let i = 0; i < fields.length; i += 2) values[fields[i]] = fields[i + 1];
  return {
    id,
    at: Number(id.slice(0, id.indexOf('-'))),
    actor: values.actor ?? '',
    action: values.action ?? '',
    target: values.target ? JSON.parse(values.target) : {},
    details: values.details ? JSON.parse(values.details) : {},
  };
}
