import { connect, connectError, disconnection, nextEvent, requestOk } from '../support/clients';
import { http } from '../support/http';
import { uniqueRoom, useCluster } from '../support/scenario';
import { makeToken } from '../support/tokens';

interface Entry {
  id: string;
  at: number;
  actor: string;
  action: string;
  target: Record<string, string>;
  details: Record<string, unknown>;
}

const tokenOf = (sub: string) => makeToken({ sub, roles: ['admin'] });

describe('audit trail across two nodes', () => {
  const cluster = useCluster(2);
  const nodeA = () => cluster.nodes[0].url;
  const nodeB = () => cluster.nodes[1].url;

  async function auditQuery(query: string, node = nodeB()): Promise<{ entries: Entry[]; nextBefore?: string }> {
    const response = await http(node, 'GET', `/admin/audit?${query}`, { token: tokenOf('auditor') });
    expect(response.status).toBe(200);
    return response.body;
  }

  it('records every admin action with actor, target and details, newest first, on whichever node reads it', async () => {
    const actor = 'mod-everything';
    const room = uniqueRoom('audited');
    const alice = await connect(nodeA(), { token: makeToken({ sub: 'audited-alice' }) });
    await requestOk(alice, 'room:join', { room });
    const message = await requestOk(alice, 'message:send', { room, content: 'to delete' });
    const started = Date.now();

    const steps: [string, string, unknown, string, Record<string, string>, Record<string, unknown>][] = [
      ['GET', '/admin/rooms', undefined, 'rooms.list', {}, {}],
      ['GET', `/admin/rooms/${room}/presence`, undefined, 'room.presence.read', { room }, {}],
      ['GET', `/admin/rooms/${room}/messages?limit=5`, undefined, 'room.messages.read', { room }, { limit: '5' }],
      [
        'POST',
        `/admin/rooms/${room}/mute`,
        { userId: 'audited-alice', durationSec: 60, reason: 'calm' },
        'user.mute',
        { room, userId: 'audited-alice' },
        { durationSec: 60, reason: 'calm' },
      ],
      ['DELETE', `/admin/rooms/${room}/mute/audited-alice`, undefined, 'user.unmute', { room, userId: 'audited-alice' }, {}],
      ['DELETE', `/admin/rooms/${room}/messages/${message.id}`, undefined, 'message.delete', { room, messageId: message.id }, {}],
      ['POST', `/admin/rooms/${room}/kick`, { userId: 'audited-alice', reason: 'bye' }, 'user.kick', { room, userId: 'audited-alice' }, { reason: 'bye' }],
      ['POST', '/admin/users/audited-alice/ban', { durationSec: 120 }, 'user.ban', { userId: 'audited-alice' }, { durationSec: 120 }],
      ['DELETE', '/admin/users/audited-alice/ban', undefined, 'user.unban', { userId: 'audited-alice' }, {}],
      ['POST', '/admin/users/audited-alice/revoke-tokens', undefined, 'user.tokens.revoke', { userId: 'audited-alice' }, {}],
      ['GET', '/admin/audit?limit=1', undefined, 'audit.read', {}, { limit: '1' }],
    ];
    for (const [method, path, body] of steps) {
      const response = await http(nodeA(), method, path, { token: tokenOf(actor), body });
      expect({ path, ok: response.status < 300 }).toEqual({ path, ok: true });
    }

    const { entries } = await auditQuery(`actor=${actor}`);
    expect(entries.map((entry) => entry.action)).toEqual(steps.map((step) => step[3]).reverse());
    for (const [i, entry] of [...entries].reverse().entries()) {
      const [, , , action, target, details] = steps[i];
      expect(entry).toEqual({
        id: expect.stringMatching(/^\d+-\d+$/),
        at: expect.any(Number),
        actor,
        action,
        target,
        details,
        hash: expect.stringMatching(/^[0-9a-f]{64}$/),
      });
      expect(entry.at).toBeGreaterThanOrEqual(started - 1000);
    }
    const ats = entries.map((entry) => entry.at);
    expect([...ats].sort((a, b) => b - a)).toEqual(ats);
  });

  it('does not record a refused admin request or a failed action', async () => {
    const actor = 'mod-failing';
    expect((await http(nodeA(), 'DELETE', '/admin/users/nobody-at-all/ban', { token: tokenOf(actor) })).status).toBe(404);
    expect((await http(nodeA(), 'POST', '/admin/users/x/ban', { token: makeToken({ sub: actor }), body: {} })).status).toBe(403);
    expect((await http(nodeA(), 'POST', `/admin/rooms/${uniqueRoom()}/mute`, { token: tokenOf(actor), body: { userId: 'x' } })).status).toBe(400);
    expect((await auditQuery(`actor=${actor}`)).entries).toEqual([]);
  });

  it('filters by action and pages with before and limit', async () => {
    const actor = 'mod-pager';
    for (let i = 0; i < 5; i++) await http(nodeB(), 'GET', '/admin/rooms', { token: tokenOf(actor) });
    await http(nodeB(), 'POST', '/admin/users/never-seen/revoke-tokens', { token: tokenOf(actor) });
    expect((await auditQuery(`actor=${actor}&before=0-0`)).entries).toEqual([]);

    const all = (await auditQuery(`actor=${actor}&action=rooms.list`)).entries;
    expect(all).toHaveLength(5);
    expect(all.every((entry) => entry.action === 'rooms.list' && entry.actor === actor)).toBe(true);

    const first = await auditQuery(`actor=${actor}&action=rooms.list&limit=2`);
    expect(first.entries).toEqual(all.slice(0, 2));
    expect(first.nextBefore).toBe(all[1].id);
    const second = await auditQuery(`actor=${actor}&action=rooms.list&limit=2&before=${first.nextBefore}`);
    expect(second.entries).toEqual(all.slice(2, 4));
    const rest = await auditQuery(`actor=${actor}&action=rooms.list&before=${second.entries[1].id}`);
    expect(rest.entries).toEqual(all.slice(4));
    expect(rest.nextBefore).toBeUndefined();

    const reads = (await auditQuery('action=audit.read&limit=3')).entries;
    expect(reads).toHaveLength(3);
    expect(reads.every((entry) => entry.action === 'audit.read' && entry.actor === 'auditor')).toBe(true);
  });

  it('records refused handshakes with their code, and who it was once the signature proved it', async () => {
    const invalid = await connectError(nodeA(), { token: 'not-a-jwt' });
    expect(invalid.data.code).toBe('token_invalid');
    const missing = await connectError(nodeB(), {});
    expect(missing.data.code).toBe('token_missing');
    const known = await connect(nodeA(), { token: makeToken({ sub: 'refused-bob' }) });
    known.close();
    await http(nodeA(), 'POST', '/admin/users/refused-bob/ban', { token: tokenOf('mod-refusals'), body: { reason: 'abuse' } });
    expect((await connectError(nodeB(), { token: makeToken({ sub: 'refused-bob' }) })).data.code).toBe('banned');

    const refusals = (await auditQuery('action=handshake.refused&limit=100')).entries;
    expect(refusals.find((entry) => entry.details.code === 'token_invalid')).toMatchObject({
      actor: 'anonymous',
      target: {},
      details: { address: expect.any(String) },
    });
    expect(refusals.find((entry) => entry.details.code === 'token_missing')).toMatchObject({ actor: 'anonymous' });
    expect(refusals[0]).toMatchObject({ actor: 'refused-bob', target: { userId: 'refused-bob' }, details: { code: 'banned', message: 'banned: abuse' } });
  });

  it('records a logout by the user who logged out', async () => {
    const token = makeToken({ sub: 'leaving-carol' });
    const socket = await connect(nodeB(), { token });
    const closed = disconnection(socket);
    expect((await http(nodeA(), 'POST', '/auth/logout', { token })).status).toBe(204);
    await closed;
    const [entry] = (await auditQuery('actor=leaving-carol')).entries;
    expect(entry).toMatchObject({ action: 'auth.logout', actor: 'leaving-carol', details: {} });
  });

  it('records the sessions a ban or a revocation ended, by the node that ended them, before the client sees it', async () => {
    const room = uniqueRoom();
    for (const [user, action, path] of [
      ['ended-dave', 'banned', '/admin/users/ended-dave/ban'],
      ['ended-erin', 'revoked', '/admin/users/ended-erin/revoke-tokens'],
    ]) {
      const issuedAt = Math.floor(Date.now() / 1000) - 5;
      const phone = await connect(nodeA(), { token: makeToken({ sub: user, iat: issuedAt }) });
      const laptop = await connect(nodeB(), { token: makeToken({ sub: user, iat: issuedAt }) });
      const tablet = await connect(nodeB(), { token: makeToken({ sub: user, iat: issuedAt }) });
      await requestOk(laptop, 'room:join', { room });
      const seenAt = (socket: typeof phone) => disconnection(socket).then(() => Date.now());
      const closed = Promise.all([phone, laptop, tablet].map(seenAt));
      expect((await http(nodeA(), 'POST', path, { token: tokenOf('mod-ender'), body: {} })).status).toBe(204);
      const [phoneSawAt, laptopSawAt, tabletSawAt] = await closed;

      const ended = (await auditQuery(`action=session.ended&actor=system`)).entries.filter((entry) => entry.target.userId === user);
      expect(ended).toHaveLength(2);
      const byNode = new Map(ended.map((entry) => [entry.details.node, entry]));
      expect(byNode.get('node-1')).toMatchObject({ actor: 'system', details: { cause: action, connections: 1, node: 'node-1' } });
      expect(byNode.get('node-2')).toMatchObject({ actor: 'system', details: { cause: action, connections: 2, node: 'node-2' } });
      // an entry's time is Redis's clock when it was appended, on this machine: no later than its clients saw the end
      expect(byNode.get('node-1')!.at).toBeLessThanOrEqual(phoneSawAt);
      expect(byNode.get('node-2')!.at).toBeLessThanOrEqual(Math.min(laptopSawAt, tabletSawAt));
    }
  });

  it('is readable by admins only', async () => {
    expect((await http(nodeA(), 'GET', '/admin/audit')).status).toBe(401);
    expect((await http(nodeA(), 'GET', '/admin/audit', { token: makeToken({ sub: 'curious' }) })).status).toBe(403);
    const refusedQuery = await http(nodeA(), 'GET', '/admin/audit?limit=0&actor=', { token: tokenOf('auditor') });
    expect(refusedQuery.status).toBe(400);
  });
});

describe('audit retention', () => {
  const cluster = useCluster(1, { AUDIT_MAX_ENTRIES: '5' });

  it('keeps the newest AUDIT_MAX_ENTRIES entries', async () => {
    const node = cluster.nodes[0].url;
    const socket = await connect(node, { token: makeToken({ sub: 'kept' }) });
    const room = uniqueRoom();
    await requestOk(socket, 'room:join', { room });
    for (let i = 0; i < 8; i++) {
      const muted = nextEvent(socket, 'moderation');
      await http(node, 'POST', `/admin/rooms/${room}/mute`, { token: tokenOf('retainer'), body: { userId: 'kept', durationSec: 60, reason: `r${i}` } });
      await muted;
    }
    const response = await http(node, 'GET', '/admin/audit?limit=100', { token: tokenOf('retainer') });
    expect(response.body.entries.map((entry: Entry) => entry.details.reason)).toEqual(['r7', 'r6', 'r5', 'r4', 'r3']);
  });
});
