import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { FIRST_POSSIBLE_STREAM_ID, STREAM_ID_ORDER_LUA, timeOfStreamId } from '../redis/stream-ids';
import { REDIS_COMMANDS } from '../redis/redis.tokens';
import { AuditEntry, AuditRecord, AuditShare } from './audit-actions';
import { CHAINED_XADD_LUA, ChainedFields } from './audit-chain';
import { AUDIT_STREAM_KEY, CHAIN_SPLICES_KEY, chainHeadKey, SERVER_API_SHARE_KEY } from './keys';

/**
 * The trail's two shares (docs/ADMIN.md): the server API's entries, whose ids the share list holds oldest first,
 * and the rest. Trimming the rest keeps `max` entries besides the server API's, so that no volume of service
 * calls pushes out an admin, moderation or security entry; ids of server API entries that such a trim removed
 * are forgotten first (they are older than the stream's first entry).
 */
const MAIN_SHARE_MAXLEN = `${STREAM_ID_ORDER_LUA}
local function main_share_maxlen(stream, share, max)
  local first = redis.call('XRANGE', stream, '-', '+', 'COUNT', 1)[1]
  while first do
    local oldest = redis.call('LINDEX', share, 0)
    if not oldest or not stream_id_is_older(oldest, first[1]) then break end
    redis.call('LPOP', share)
  end
  return max + redis.call('LLEN', share)
end
`;

/**
 * KEYS: stream, server API share, the share's chain head. ARGV: max entries per share, share ('server-api' |
 * 'main'), actor, action, target, details. A server API entry is counted in its share, whose oldest entry goes once
 * it holds more than `max`; any other entry trims the rest of the stream to `max`. Either way the entry extends its
 * share's hash chain (only the oldest of a share are ever trimmed, so each chain just starts later).
 */
const APPEND_SCRIPT = `${MAIN_SHARE_MAXLEN}${CHAINED_XADD_LUA}
local max = tonumber(ARGV[1])
if ARGV[2] ~= 'server-api' then
  return chained_xadd(KEYS[1], KEYS[3], {'MAXLEN', main_share_maxlen(KEYS[1], KEYS[2], max)}, ARGV[3], ARGV[4], ARGV[5], ARGV[6])
end
local id = chained_xadd(KEYS[1], KEYS[3], {}, ARGV[3], ARGV[4], ARGV[5], ARGV[6])
redis.call('RPUSH', KEYS[2], id)
while redis.call('LLEN', KEYS[2]) > max do
  redis.call('XDEL', KEYS[1], redis.call('LPOP', KEYS[2]))
end
return id
`;

/**
 * One entry per aggregate: the first occurrence appends it with `details.count` 1; each further one deletes the
 * aggregate's entry and appends it again with the count raised, so the trail holds one entry per aggregate,
 * at the time of its latest occurrence, still newest first. The aggregate key outlives its minute by one more.
 * Deleting the old copy cuts its share's hash chain there; the splices hash records the cut (the removed copy's
 * hash -> the hash its link pointed back to, already resolved through earlier cuts), so that the verification
 * bridges exactly these removals. Only the entry after a copy points at its hash: once that entry is itself a
 * removed copy, the older splice is needed no more. Aggregates belong to the main share.
 * KEYS: stream, aggregate, server API share, the main share's chain head, splices.
 */
const APPEND_AGGREGATED_SCRIPT = `${MAIN_SHARE_MAXLEN}${CHAINED_XADD_LUA}
local count = redis.call('HINCRBY', KEYS[2], 'count', 1)
local previous = redis.call('HGET', KEYS[2], 'id')
if previous then
  local copy = redis.call('XRANGE', KEYS[1], previous, previous)[1]
  if copy then
    local fields = {}
    for i = 1, #copy[2], 2 do fields[copy[2][i]] = copy[2][i + 1] end
    if fields.hash then
      local resolved = redis.call('HGET', KEYS[5], fields.prev) or fields.prev
      redis.call('HDEL', KEYS[5], fields.prev)
      redis.call('HSET', KEYS[5], fields.hash, resolved)
    end
    redis.call('XDEL', KEYS[1], previous)
  end
end
local details = cjson.decode(ARGV[5])
details.count = count
local maxlen = main_share_maxlen(KEYS[1], KEYS[3], tonumber(ARGV[1]))
local id = chained_xadd(KEYS[1], KEYS[4], {'MAXLEN', maxlen}, ARGV[3], ARGV[4], ARGV[6], cjson.encode(details))
redis.call('HSET', KEYS[2], 'id', id)
if count == 1 then redis.call('EXPIRE', KEYS[2], ARGV[2]) end
return id
`;

interface AuditScripts {
  auditAppend(stream: string, share: string, head: string, maxEntries: number, shareName: AuditShare, actor: string, action: string, target: string, details: string): Promise<string>;
  auditAppendAggregated(stream: string, aggregate: string, share: string, head: string, splices: string, maxEntries: number, ttlSec: number, actor: string, action: string, details: string, target: string): Promise<string>;
}

@Injectable()
export class AuditRepository {
  private readonly redis: Redis & AuditScripts;

  constructor(@Inject(REDIS_COMMANDS) redis: Redis) {
    redis.defineCommand('auditAppend', { numberOfKeys: 3, lua: APPEND_SCRIPT });
    redis.defineCommand('auditAppendAggregated', { numberOfKeys: 5, lua: APPEND_AGGREGATED_SCRIPT });
    this.redis = redis as Redis & AuditScripts;
  }

  /** Exact trims, not `~`: the bound is a retention promise, and trimming one entry per append is cheap. */
  append(record: AuditRecord, share: AuditShare, maxEntries: number): Promise<string> {
    return this.redis.auditAppend(
      AUDIT_STREAM_KEY, SERVER_API_SHARE_KEY, chainHeadKey(share), maxEntries, share, record.actor, record.action, JSON.stringify(record.target), JSON.stringify(record.details ?? {}),
    );
  }

  /** Appends `record` as the one entry of `aggregateKey`, whose `details.count` says how often it happened. */
  async appendAggregated(record: AuditRecord, aggregateKey: string, aggregateTtlSec: number, maxEntries: number): Promise<string> {
    return this.redis.auditAppendAggregated(
      AUDIT_STREAM_KEY, aggregateKey, SERVER_API_SHARE_KEY, chainHeadKey('main'), CHAIN_SPLICES_KEY, maxEntries, aggregateTtlSec, record.actor, record.action, JSON.stringify(record.details ?? {}), JSON.stringify(record.target),
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
