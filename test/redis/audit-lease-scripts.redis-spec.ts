import { linkHash } from '../../src/audit/audit-chain';
import { auditScripts } from '../../src/audit/audit.scripts';
import { AUDIT_STREAM_KEY, CHAIN_SPLICES_KEY, chainHeadKey, SERVER_API_SHARE_KEY } from '../../src/audit/keys';
import { callScripts } from '../../src/calls/call.scripts';
import { callKeys } from '../../src/calls/keys';
import { complianceScripts } from '../../src/compliance/compliance.scripts';
import { complianceKeys } from '../../src/compliance/keys';
import { pushKeys } from '../../src/push/keys';
import { pushScripts } from '../../src/push/push.scripts';
import { useScriptProbe } from '../support/script-probe';

describe('audit, lease, invite and subscription scripts on a real redis-server', () => {
  const probe = useScriptProbe([auditScripts, complianceScripts, callScripts, pushScripts]);

  describe('append.lua and append-aggregated.lua', () => {
    const append = (share: 'main' | 'server-api', action: string, max = 2) =>
      probe.run(auditScripts.append, [AUDIT_STREAM_KEY, SERVER_API_SHARE_KEY, chainHeadKey(share)], [max, share, 'root', action, '{}', '{}']);
    type Stored = { id: string; actor: string; action: string; target: string; details: string; prev: string; hash: string };
    const entries = async (): Promise<Stored[]> =>
      (await probe.redis.xrange(AUDIT_STREAM_KEY, '-', '+')).map(([id, fields]) => {
        const values: Record<string, string> = { id };
        for (let i = 0; i < fields.length; i += 2) values[fields[i]] = fields[i + 1];
        return values as Stored;
      });

    it("chains each share's entries by hash, and trims each share to its own maximum", async () => {
      const ids = [
        await append('main', 'a'),
        await append('server-api', 's1'),
        await append('main', 'b'),
        await append('server-api', 's2'),
        await append('server-api', 's3'),
      ];
      await append('main', 'c');
      const stored = await entries();
      expect(stored.map((entry) => entry.action)).toEqual(['b', 's2', 's3', 'c']);
      expect(await probe.redis.lrange(SERVER_API_SHARE_KEY, 0, -1)).toEqual([ids[3], ids[4]]);
      const [b, s2, s3, c] = stored;
      expect(c.prev).toBe(b.hash);
      expect(s3.prev).toBe(s2.hash);
      expect(c.hash).toBe(linkHash(c));
      expect(await probe.redis.get(chainHeadKey('main'))).toBe(c.hash);
    });

    it('keeps one entry per aggregate, counted, and records the cut of the chain it makes', async () => {
      const aggregate = '{audit:entries}:refusals:1:unauthorized:10.0.0.1';
      const appendAggregated = () =>
        probe.run(
          auditScripts.appendAggregated,
          [AUDIT_STREAM_KEY, aggregate, SERVER_API_SHARE_KEY, chainHeadKey('main'), CHAIN_SPLICES_KEY],
          [10, 120, 'anonymous', 'auth.refused', '{"code":"unauthorized"}', '{}'],
        );
      const first = await appendAggregated();
      const second = await appendAggregated();
      const stored = await entries();
      expect(stored.map((entry) => entry.id)).toEqual([second]);
      expect(JSON.parse(stored[0].details)).toEqual({ code: 'unauthorized', count: 2 });
      expect(first).not.toBe(second);
      expect(await probe.redis.hlen(CHAIN_SPLICES_KEY)).toBe(1);
      expect(await probe.redis.ttl(aggregate)).toBeGreaterThan(0);
    });
  });

  describe('acquire-lease.lua', () => {
    it('takes a free lease, renews it for its holder, and refuses it to another node', async () => {
      const acquire = (nodeId: string) => probe.run(complianceScripts.acquireLease, [complianceKeys.sweepLease], [nodeId, 60_000]);
      expect(await acquire('node-a')).toBe(true);
      expect(await acquire('node-a')).toBe(true);
      expect(await acquire('node-b')).toBe(false);
      expect(await probe.redis.get(complianceKeys.sweepLease)).toBe('node-a');
    });
  });

  describe('remember-invite.lua', () => {
    it("records an invite's pair, renews it for the same pair, and refuses another pair the call id", async () => {
      const remember = (pair: string) => probe.run(callScripts.rememberInvite, [callKeys.parties('call-1')], [pair, 60]);
      expect(await remember('alice bob')).toBe(true);
      expect(await remember('alice bob')).toBe(true);
      expect(await remember('alice mallory')).toBe(false);
      expect(await probe.redis.get(callKeys.parties('call-1'))).toBe('alice bob');
    });
  });

  describe('save-subscription.lua', () => {
    it('saves or refreshes a subscription and drops the oldest beyond the bound', async () => {
      const keys = pushKeys('alice');
      const save = (endpoint: string, now: number) =>
        probe.run(pushScripts.saveSubscription, [keys.subscriptions, keys.order], [endpoint, `{"endpoint":"${endpoint}"}`, now, 2]);
      await save('https://push.example/1', 1);
      await save('https://push.example/2', 2);
      await save('https://push.example/1', 3);
      expect(await save('https://push.example/3', 4)).toBe(1);
      expect(await probe.redis.zrange(keys.order, '0', '-1')).toEqual(['https://push.example/1', 'https://push.example/3']);
      expect((await probe.redis.hkeys(keys.subscriptions)).sort()).toEqual(['https://push.example/1', 'https://push.example/3']);
    });
  });
});
