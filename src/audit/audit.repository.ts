import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { FIRST_POSSIBLE_STREAM_ID } from '../redis/stream-ids';
import { REDIS_COMMANDS } from '../redis/redis.tokens';
import { AuditEntry, AuditRecord } from './audit-actions';
import { AUDIT_STREAM_KEY } from './keys';

/**
 * One entry per aggregate: the first occurrence appends it with `details.count` 1; each further one deletes the
 * aggregate's entry and appends it again with the count raised, so the trail holds one entry per aggregate,
 * at the time of its latest occurrence, still newest first. The aggregate key outlives its minute by one more.
 */
const APPEND_AGGREGATED_SCRIPT = `
local count = redis.call('HINCRBY', KEYS[2], 'count', 1)
local previous = redis.call('HGET', KEYS[2], 'id')
if previous then redis.call('XDEL', KEYS[1], previous) end
local details = cjson.decode(ARGV[5])
details.count = count
local id = redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[1], '*', 'actor', ARGV[3], 'action', ARGV[4], 'target', ARGV[6], 'details', cjson.encode(details))
redis.call('HSET', KEYS[2], 'id', id)
if count == 1 then redis.call('EXPIRE', KEYS[2], ARGV[2]) end
return id
`;

interface AuditScripts {
  auditAppendAggregated(stream: string, aggregate: string, maxEntries: number, ttlSec: number, actor: string, action: string, details: string, target: string): Promise<string>;
}

@Injectable()
export class AuditRepository {
  private readonly redis: Redis & AuditScripts;

  constructor(@Inject(REDIS_COMMANDS) redis: Redis) {
    redis.defineCommand('auditAppendAggregated', { numberOfKeys: 2, lua: APPEND_AGGREGATED_SCRIPT });
    this.redis = redis as Redis & AuditScripts;
  }

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

  /** Appends `record` as the one entry of `aggregateKey`, whose `details.count` says how often it happened. */
  async appendAggregated(record: AuditRecord, aggregateKey: string, aggregateTtlSec: number, maxEntries: number): Promise<string> {
    return this.redis.auditAppendAggregated(
      AUDIT_STREAM_KEY, aggregateKey, maxEntries, aggregateTtlSec, record.actor, record.action, JSON.stringify(record.details ?? {}), JSON.stringify(record.target),
    );
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
