import type { AppConfig } from '../config/app-config';
import type { WebhookPublisher } from '../webhooks/webhook.publisher';
import { linkHash } from './audit-chain';
import type { AuditRepository, StoredAuditEntry } from './audit.repository';
import { AuditService } from './audit.service';
import { fake } from '../testing/fakes';

/**
 * A trail as the append scripts write it: each share's entries linked to the one before, a head per share, and the
 * splices an aggregate's re-append records when it removes its old copy.
 */
class ChainedTrail {
  entries: StoredAuditEntry[] = [];
  heads: Record<'main' | 'server-api', string | null> = { main: null, 'server-api': null };
  splices = new Map<string, string>();
  private next = 1;

  append(action: string, details = '{}'): StoredAuditEntry {
    const share = action.startsWith('server.') ? 'server-api' : 'main';
    const fields = { prev: this.heads[share] ?? '', actor: 'root', action, target: '{}', details };
    const entry = { id: `${this.next++}-0`, ...fields, hash: linkHash(fields) };
    this.entries.push(entry);
    this.heads[share] = entry.hash;
    return entry;
  }

  /** What the aggregated append script does with the old copy of an aggregate. */
  reappend(copy: StoredAuditEntry, details: string): StoredAuditEntry {
    this.splices.set(copy.hash, this.splices.get(copy.prev) ?? copy.prev);
    this.splices.delete(copy.prev);
    this.entries = this.entries.filter((entry) => entry !== copy);
    return this.append(copy.action, details);
  }

  service(): AuditService {
    const repository = {
      storedOldestFirst: async (after: string | undefined, count: number) => {
        const start = after === undefined ? 0 : this.entries.findIndex((entry) => entry.id === after) + 1;
        return this.entries.slice(start, start + count);
      },
      chainHeads: async () => this.heads,
      chainSplices: async () => new Map(this.splices),
      forgetChainSplices: async (hashes: string[]) => hashes.forEach((hash) => this.splices.delete(hash)),
    };
    return new AuditService(fake<AuditRepository>(repository), { auditMaxEntries: 100 } as AppConfig, {} as WebhookPublisher);
  }
}

describe('the audit hash chain', () => {
  it('holds across two interleaved shares and aggregates re-appended any number of times', async () => {
    const trail = new ChainedTrail();
    trail.append('user.ban');
    let refusal = trail.append('handshake.refused', '{"count":1}');
    trail.append('server.message.publish');
    for (let count = 2; count <= 5; count += 1) {
      trail.append(count % 2 ? 'user.kick' : 'server.notify');
      refusal = trail.reappend(refusal, `{"count":${count}}`);
    }
    refusal = trail.reappend(refusal, '{"count":6}');
    trail.append('user.unban');
    expect(await trail.service().verify()).toEqual({ ok: true, entries: trail.entries.length });
  });

  it('starts at the oldest entry kept: a trail trimmed from its oldest end still holds', async () => {
    const trail = new ChainedTrail();
    for (let i = 0; i < 10; i += 1) trail.append(i % 3 ? 'user.ban' : 'server.broadcast');
    trail.entries = trail.entries.slice(4);
    expect(await trail.service().verify()).toEqual({ ok: true, entries: 6 });
  });

  it('breaks at an entry whose fields were changed', async () => {
    const trail = new ChainedTrail();
    for (let i = 0; i < 5; i += 1) trail.append('user.ban', `{"i":${i}}`);
    trail.entries[2] = { ...trail.entries[2], details: '{"i":99}' };
    expect(await trail.service().verify()).toEqual({ ok: false, entries: 2, brokenAt: '3-0' });
  });

  it('breaks at the entry after one removed from the middle of its share, and after the last when the newest went', async () => {
    const trail = new ChainedTrail();
    for (let i = 0; i < 6; i += 1) trail.append(i % 2 ? 'user.ban' : 'server.notify');
    const [, , third, , , sixth] = trail.entries;
    trail.entries = trail.entries.filter((entry) => entry !== third);
    expect(await trail.service().verify()).toMatchObject({ ok: false, brokenAt: '5-0' });
    trail.entries = [...trail.entries.slice(0, 1), third, ...trail.entries.slice(1)].filter((entry) => entry !== sixth);
    expect(await trail.service().verify()).toMatchObject({ ok: false, brokenAt: '4-0' });
  });

  it('forgets splices no entry points at any more once the entry after the cut was trimmed', async () => {
    const trail = new ChainedTrail();
    const copy = trail.append('handshake.refused', '{"count":1}');
    trail.append('user.ban');
    trail.reappend(copy, '{"count":2}');
    expect(trail.splices.size).toBe(1);
    trail.entries = trail.entries.slice(1);
    expect(await trail.service().verify()).toEqual({ ok: true, entries: 1 });
    expect(trail.splices.size).toBe(0);
  });
});
