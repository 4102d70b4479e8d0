import { connectError } from '../support/clients';
import { http } from '../support/http';
import { useCluster } from '../support/scenario';
import { makeToken } from '../support/tokens';

const AUDIT_MAX_ENTRIES = 10;
const adminToken = () => makeToken({ sub: 'aggregate-admin', roles: ['admin'] });

describe('hardening: refused handshakes aggregated in the audit trail', () => {
  const cluster = useCluster(2, { AUDIT_MAX_ENTRIES: String(AUDIT_MAX_ENTRIES) });
  const nodeA = () => cluster.nodes[0].url;
  const nodeB = () => cluster.nodes[1].url;

  it('keeps one entry per address, code and minute with details.count, so a flood cannot push out an admin action', async () => {
    expect((await http(nodeA(), 'POST', '/admin/users/aggregate-victim/ban', { token: adminToken(), body: { durationSec: 60 } })).status).toBe(204);

    const FLOOD = 3 * AUDIT_MAX_ENTRIES;
    for (let i = 0; i < FLOOD; i++) {
      const refused = await connectError(i % 2 ? nodeA() : nodeB(), { token: 'not-a-token' });
      expect(refused.data.code).toBe('token_invalid');
    }
    for (let i = 0; i < 3; i++) expect((await connectError(nodeB())).data.code).toBe('token_missing');

    const trail = await http(nodeB(), 'GET', '/admin/audit?limit=100', { token: adminToken() });
    expect(trail.status).toBe(200);
    const entries = trail.body.entries as { action: string; at: number; details: { code?: string; count?: number } }[];
    const refusals = (code: string) => entries.filter((entry) => entry.action === 'handshake.refused' && entry.details.code === code);
    // a minute may turn during the flood: then two entries share the count
    expect(refusals('token_invalid').length).toBeLessThanOrEqual(2);
    expect(refusals('token_invalid').reduce((sum, entry) => sum + entry.details.count!, 0)).toBe(FLOOD);
    expect(refusals('token_missing').reduce((sum, entry) => sum + entry.details.count!, 0)).toBe(3);
    expect(entries.some((entry) => entry.action === 'user.ban')).toBe(true);
    expect(entries.map((entry) => entry.at)).toEqual([...entries.map((entry) => entry.at)].sort((a, b) => b - a));
  });
});
