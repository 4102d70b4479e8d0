import { Inject, Injectable, Logger } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { timeOfStreamId } from '../redis/stream-ids';
import { WebhookPublisher } from '../webhooks/webhook.publisher';
import { AuditEntry, AuditRecord, AuditShare, AuditVerification, MODERATION_ACTIONS, shareOf } from './audit-actions';
import { linkHash } from './audit-chain';
import { AuditRepository } from './audit.repository';
import { refusalAggregateKey } from './keys';

export interface AuditQuery {
  actor?: string;
  action?: string;
  before?: string;
  limit: number;
}

export interface AuditPage {
  entries: AuditEntry[];
  /** Present when older entries may match: pass it as `before` to read on. */
  nextBefore?: string;
}

/** A refusal aggregate lives through its minute and the next, so late writers of the minute still find it. */
const REFUSAL_AGGREGATE_TTL_SEC = 120;
/** Entries read per round trip while filtering. */
const SCAN_BATCH = 500;
/** Entries one query examines at most, so that a rare filter over a long trail stays a bounded request. */
export const SCAN_BUDGET = 20_000;
/** Entries read per round trip while the chain is verified. */
const VERIFY_BATCH = 1000;

@Injectable()
export class AuditService {
  private readonly logger = new Logger(AuditService.name);

  constructor(
    private readonly repository: AuditRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly webhooks: WebhookPublisher,
  ) {}

  /**
   * Appends an entry, and a moderation action's webhook event, before the action is answered: what the admin was
   * told happened is in Redis even if the node dies right after. Never throws: it runs after the action it
   * records has happened, so a failure can only be logged (an action that needs Redis has already failed with
   * `unavailable` when Redis is down).
   */
  async record(record: AuditRecord): Promise<void> {
    try {
      const share = shareOf(record.action);
      const id = await this.repository.append(record, share, this.config.auditMaxEntries);
      if (MODERATION_ACTIONS.has(record.action)) {
        await this.webhooks.publish('moderation.action', { id, at: timeOfStreamId(id), details: {}, ...record });
      }
    } catch (error) {
      this.logger.error(`audit entry lost (${record.action} by ${record.actor}): ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /**
   * A refused handshake, aggregated as the contract asks: one entry per client address, refusal code and minute,
   * with `details.count`, so that a flood of bad handshakes cannot push admin actions out of the trail.
   */
  async recordRefusal(record: AuditRecord, code: string, address: string): Promise<void> {
    const minute = Math.floor(Date.now() / 60_000);
    try {
      await this.repository.appendAggregated(record, refusalAggregateKey(minute, code, address), REFUSAL_AGGREGATE_TTL_SEC, this.config.auditMaxEntries);
    } catch (error) {
      this.logger.error(`audit entry lost (${record.action} by ${record.actor}): ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** Newest first. Filters are exact matches, applied while scanning back from `before`. */
  async query({ actor, action, before, limit }: AuditQuery): Promise<AuditPage> {
    const matches = (entry: AuditEntry) => (!actor || entry.actor === actor) && (!action || entry.action === action);
    const entries: AuditEntry[] = [];
    let cursor = before;
    let scanned = 0;
    while (scanned < SCAN_BUDGET) {
      const batchSize = actor || action ? Math.min(SCAN_BATCH, SCAN_BUDGET - scanned) : limit;
      const batch = await this.repository.newestFirst(cursor, batchSize);
      for (const entry of batch) {
        cursor = entry.id;
        scanned += 1;
        if (!matches(entry)) continue;
        entries.push(entry);
        if (entries.length === limit) return { entries, nextBefore: entry.id };
      }
      if (batch.length < batchSize) return { entries };
    }
    return { entries, nextBefore: cursor };
  }

  /**
   * Walks the whole trail oldest first and checks every link of both shares' chains (docs/COMPLIANCE.md): each
   * entry's hash over its fields, and its `prev` against the entry before it in its share, bridging only the cuts
   * that aggregates' re-appends recorded. A break seen once is checked again with a second walk, since a re-append
   * during the walk moves an entry; only a break that persists is reported. Splices that no entry points at any more
   * are forgotten on the way.
   */
  async verify(): Promise<AuditVerification> {
    const first = await this.walkChain();
    return first.ok ? first : this.walkChain();
  }

  private async walkChain(): Promise<AuditVerification> {
    const splices = await this.repository.chainSplices();
    const pointedAt = new Set<string>();
    const resolve = (prev: string) => splices.get(prev) ?? prev;
    const newest: Partial<Record<AuditShare, { id: string; hash: string }>> = {};
    let entries = 0;
    for await (const entry of this.storedEntries()) {
      // entries written before the chain existed carry no link: the chain starts after them
      if (!entry.hash) continue;
      pointedAt.add(entry.prev);
      const share = shareOf(entry.action);
      const before = newest[share];
      if (linkHash(entry) !== entry.hash || (before && resolve(entry.prev) !== before.hash)) return { ok: false, entries, brokenAt: entry.id };
      newest[share] = { id: entry.id, hash: entry.hash };
      entries += 1;
    }
    const heads = await this.repository.chainHeads();
    for (const share of ['main', 'server-api'] as const) {
      const last = newest[share];
      const head = heads[share];
      // the newest entry of a share was removed: the chain breaks after the last one left
      if (last && head && head !== last.hash) return { ok: false, entries, brokenAt: last.id };
    }
    await this.repository.forgetChainSplices([...splices.keys()].filter((hash) => !pointedAt.has(hash)));
    return { ok: true, entries };
  }

  private async *storedEntries() {
    let after: string | undefined;
    for (;;) {
      const batch = await this.repository.storedOldestFirst(after, VERIFY_BATCH);
      yield* batch;
      if (batch.length < VERIFY_BATCH) return;
      after = batch[batch.length - 1].id;
    }
  }
}
