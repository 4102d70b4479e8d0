import { Logger } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { AuditEntry, AuditRecord, AuditShare } from './audit-actions';
import { AuditRepository } from './audit.repository';
import { AuditService, SCAN_BUDGET } from './audit.service';
import type { WebhookPublisher } from '../webhooks/webhook.publisher';
import { fake } from '../testing/fakes';

/** An in-memory trail with the repository's contract: ids grow, reads go newest first from `before`. */
class FakeAuditRepository {
  readonly entries: AuditEntry[] = [];
  readonly shares: AuditShare[] = [];
  reads = 0;
  failing = false;

  async append(record: AuditRecord, share: AuditShare, maxEntries: number): Promise<string> {
    if (this.failing) throw new Error('Connection is closed.');
    this.shares.push(share);
    const id = `${1000 + this.entries.length}-0`;
    this.entries.push({ id, at: 1000 + this.entries.length, actor: record.actor, action: record.action, target: record.target, details: record.details ?? {} });
    this.entries.splice(0, Math.max(0, this.entries.length - maxEntries));
    return id;
  }

  async newestFirst(before: string | undefined, count: number): Promise<AuditEntry[]> {
    this.reads += 1;
    const newest = [...this.entries].reverse();
    const start = before ? newest.findIndex((entry) => entry.id === before) + 1 : 0;
    return newest.slice(start, start + count);
  }
}

function serviceWith(maxEntries = 1_000_000) {
  const repository = new FakeAuditRepository();
  const published: { type: string; data: unknown }[] = [];
  const webhooks = fake<WebhookPublisher>({ publish: async (type: string, data: unknown) => void published.push({ type, data }) });
  const service = new AuditService(fake<AuditRepository>(repository), { auditMaxEntries: maxEntries } as AppConfig, webhooks);
  return { repository, service, published };
}

async function fill(service: AuditService, count: number, actorOf: (i: number) => string) {
  for (let i = 0; i < count; i++) await service.record({ actor: actorOf(i), action: 'rooms.list', target: {}, details: { i } });
}

describe('AuditService', () => {
  it('publishes moderation actions as moderation.action webhook events, and nothing else', async () => {
    const { service, published } = serviceWith();
    await service.record({ actor: 'root', action: 'rooms.list', target: {} });
    await service.record({ actor: 'root', action: 'user.ban', target: { userId: 'mallory' }, details: { reason: 'spam' } });
    expect(published).toEqual([
      {
        type: 'moderation.action',
        data: { id: '1001-0', at: 1001, actor: 'root', action: 'user.ban', target: { userId: 'mallory' }, details: { reason: 'spam' } },
      },
    ]);
  });

  it('counts server API calls in their own share of the trail, every other entry in the main one', async () => {
    const { repository, service } = serviceWith();
    await service.record({ actor: 'apikey:abcdef', action: 'server.message.publish', target: { room: 'general' } });
    await service.record({ actor: 'root', action: 'user.ban', target: { userId: 'mallory' } });
    await service.record({ actor: 'billing', action: 'server.disconnect', target: { userId: 'bob' } });
    expect(repository.shares).toEqual(['server-api', 'main', 'server-api']);
  });

  it('serves the newest entries first, one read when nothing is filtered', async () => {
    const { repository, service } = serviceWith();
    await fill(service, 10, () => 'root');
    const page = await service.query({ limit: 3 });
    expect(page.entries.map((entry) => entry.details.i)).toEqual([9, 8, 7]);
    expect(page.nextBefore).toBe(page.entries[2].id);
    expect(repository.reads).toBe(1);
  });

  it('filters while scanning back across batches and says where to continue', async () => {
    const { service } = serviceWith();
    await fill(service, 1200, (i) => (i % 400 === 0 ? 'rare' : 'common'));
    const first = await service.query({ actor: 'rare', limit: 2 });
    expect(first.entries.map((entry) => entry.details.i)).toEqual([800, 400]);
    const rest = await service.query({ actor: 'rare', limit: 2, before: first.nextBefore });
    expect(rest.entries.map((entry) => entry.details.i)).toEqual([0]);
    expect(rest.nextBefore).toBeUndefined();
  });

  it('stops after a bounded scan and hands back a cursor instead of reading the whole trail', async () => {
    const { repository, service } = serviceWith();
    await fill(service, SCAN_BUDGET + 100, (i) => (i === 0 ? 'needle' : 'hay'));
    const page = await service.query({ actor: 'needle', limit: 10 });
    expect(page.entries).toEqual([]);
    expect(page.nextBefore).toBe(`${1000 + 100}-0`);
    const reads = repository.reads;
    const next = await service.query({ actor: 'needle', limit: 10, before: page.nextBefore });
    expect(next.entries.map((entry) => entry.actor)).toEqual(['needle']);
    expect(repository.reads - reads).toBe(1);
  });

  it('never throws from record: a lost entry is logged, the action already happened', async () => {
    const { repository, service } = serviceWith();
    repository.failing = true;
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    await expect(service.record({ actor: 'root', action: 'user.ban', target: { userId: 'alice' } })).resolves.toBeUndefined();
    expect(logged).toHaveBeenCalledWith(expect.stringContaining('user.ban by root'));
    logged.mockRestore();
  });
});
