import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { FIRST_POSSIBLE_STREAM_ID, timeOfStreamId } from '../redis/stream-ids';
import { REDIS_COMMANDS } from '../redis/redis.tokens';
import { AuditEntry, AuditRecord, AuditShare } from './audit-actions';
import { ChainedFields } from './audit-chain';
import { auditScripts } from './audit.scripts';
import { AUDIT_STREAM_KEY, CHAIN_SPLICES_KEY, chainHeadKey, SERVER_API_SHARE_KEY } from './keys';

@Injectable()
export class AuditRepository {
  constructor(@Inject(REDIS_COMMANDS) private readonly redis: Redis) {}

  /** Exact trims, not `~`: the bound is a retention promise, and trimming one entry per append is cheap. */
  append(record: AuditRecord, share: AuditShare, maxEntries: number): Promise<string> {
    return auditScripts.append.run(
      this.redis,
      [AUDIT_STREAM_KEY, SERVER_API_SHARE_KEY, chainHeadKey(share)],
      [maxEntries, share, record.actor, record.action, JSON.stringify(record.target), JSON.stringify(record.details ?? {})],
    );
  }

  /** Appends `record` as the one entry of `aggregateKey`, whose `details.count` says how often it happened. */
  appendAggregated(record: AuditRecord, aggregateKey: string, aggregateTtlSec: number, maxEntries: number): Promise<string> {
    return auditScripts.appendAggregated.run(
      this.redis,
      [AUDIT_STREAM_KEY, aggregateKey, SERVER_API_SHARE_KEY, chainHeadKey('main'), CHAIN_SPLICES_KEY],
      [maxEntries, aggregateTtlSec, record.actor, record.action, JSON.stringify(record.details ?? {}), JSON.stringify(record.target)],
    );
  }

  /** Up to `count` entries strictly newer than `after` (or the oldest), oldest first, as stored. */
  async storedOldestFirst(after: string | undefined, count: number): Promise<StoredAuditEntry[]> {
    const entries = await this.redis.xrange(AUDIT_STREAM_KEY, after ? `(${after}` : '-', '+', 'COUNT', count);
    return entries.map(([id, fields]) => {
      const values: Record<string, string> = {};
      for (let i = 0; i < fields.length; i += 2) values[fields[i]] = fields[i + 1];
      const { actor = '', action = '', target = '', details = '', prev = '', hash = '' } = values;
      return { id, actor, action, target, details, prev, hash };
    });
  }

  /** Where the chain was cut by an aggregate's re-append: a removed copy's hash -> the hash its link resolves to. */
  async chainSplices(): Promise<Map<string, string>> {
    return new Map(Object.entries(await this.redis.hgetall(CHAIN_SPLICES_KEY)));
  }

  /** Splices no entry points at any more (the one entry after the cut was trimmed): they can never be needed again. */
  async forgetChainSplices(hashes: string[]): Promise<void> {
    if (hashes.length > 0) await this.redis.hdel(CHAIN_SPLICES_KEY, ...hashes);
  }

  /** The hash of the newest entry appended to each share. */
  async chainHeads(): Promise<Record<'main' | 'server-api', string | null>> {
    const [main, serverApi] = await this.redis.mget(chainHeadKey('main'), chainHeadKey('server-api'));
    return { main, 'server-api': serverApi };
  }

  /** Up to `count` entries strictly older than `before` (or the newest), newest first. */
  async newestFirst(before: string | undefined, count: number): Promise<AuditEntry[]> {
    if (before === FIRST_POSSIBLE_STREAM_ID) return [];
    const entries = await this.redis.xrevrange(AUDIT_STREAM_KEY, before ? `(${before}` : '+', '-', 'COUNT', count);
    return entries.map(([id, fields]) => decodeEntry(id, fields));
  }
}

/** An entry as stored, with its chain fields, for the chain's verification. */
export interface StoredAuditEntry extends ChainedFields {
  id: string;
  hash: string;
}

function decodeEntry(id: string, fields: string[]): AuditEntry {
  const values: Record<string, string> = {};
  for (let i = 0; i < fields.length; i += 2) values[fields[i]] = fields[i + 1];
  return {
    id,
    at: timeOfStreamId(id),
    actor: values.actor ?? '',
    action: values.action ?? '',
    target: values.target ? JSON.parse(values.target) : {},
    details: values.details ? JSON.parse(values.details) : {},
    ...(values.hash ? { hash: values.hash } : {}),
  };
}
