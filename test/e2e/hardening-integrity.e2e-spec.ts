import type { Socket } from 'socket.io-client';
import { connect, connectError, disconnection, request, requestOk } from '../support/clients';
import { http } from '../support/http';
import { useCluster, uniqueRoom } from '../support/scenario';
import { makeToken } from '../support/tokens';

const adminToken = () => makeToken({ sub: 'integrity-admin', roles: ['admin'] });

describe('hardening: dedup markers and audit targets', () => {
  const cluster = useCluster(2);
  const nodeA = () => cluster.nodes[0].url;
  const nodeB = () => cluster.nodes[1].url;

  it('keeps the dedup markers of user "a" with "b:c" and user "a:b" with "c" apart', async () => {
    const room = uniqueRoom('dedup');
    const userA = await connect(nodeA(), { token: makeToken({ sub: 'a' }) });
    const userAB = await connect(nodeB(), { token: makeToken({ sub: 'a:b' }) });
    await requestOk(userA, 'room:join', { room });
    await requestOk(userAB, 'room:join', { room });

    const first = await requestOk(userA, 'message:send', { room, content: 'from a', clientMsgId: 'b:c' });
    const second = await requestOk(userAB, 'message:send', { room, content: 'from a:b', clientMsgId: 'c' });

    expect(second).toMatchObject({ userId: 'a:b', content: 'from a:b' });
    expect(second.id).not.toBe(first.id);
    const retried = await requestOk(userAB, 'message:send', { room, content: 'from a:b', clientMsgId: 'c' });
    expect(retried.id).toBe(second.id);
  });

  it('takes an audit target from route parameters, never from a body the route does not take', async () => {
    const forged = { room: 'forged-room', messageId: '1-0', userId: 'someone-else', note: 'x'.repeat(100) };
    const revoked = await http(nodeA(), 'POST', '/admin/users/integrity-victim/revoke-tokens', { token: adminToken(), body: forged });
    expect(revoked.status).toBe(204);

    const trail = await http(nodeB(), 'GET', '/admin/audit?action=user.tokens.revoke&actor=integrity-admin', { token: adminToken() });
    expect(trail.status).toBe(200);
    expect(trail.body.entries[0].target).toEqual({ userId: 'integrity-victim' });
    expect(trail.body.entries[0].details).toEqual({});
  });

  it('closes a connection whose handshake raced a ban, on either node', async () => {
    const userId = 'integrity-racer';
    const token = makeToken({ sub: userId });
    type Outcome = { socket: Socket } | { refusal: Error & { data?: { code?: string } } };
    const attempts = Array.from({ length: 16 }, (_, i) =>
      connect(i % 2 ? nodeA() : nodeB(), { token }).then(
        (socket): Outcome => ({ socket }),
        (refusal: Error): Outcome => ({ refusal }),
      ),
    );
    // the ban goes out once a first handshake is through, so that at least one admitted connection must be closed
    // while the other handshakes race it
    const first = await Promise.race(attempts);
    if ('refusal' in first) throw new Error(`a handshake was refused before any ban: ${first.refusal.message} ${JSON.stringify(first.refusal.data)}`);
    const banned = http(nodeA(), 'POST', `/admin/users/${userId}/ban`, { token: adminToken(), body: { durationSec: 60 } });
    const outcomes = await Promise.all(attempts);
    expect((await banned).status).toBe(204);

    const sockets = outcomes.flatMap((outcome) => ('socket' in outcome ? [outcome.socket] : []));
    const refusals = outcomes.flatMap((outcome) => ('refusal' in outcome ? [outcome.refusal] : []));
    expect(sockets.length).toBeGreaterThanOrEqual(1);
    // a handshake that lost the race is refused as banned, never for another reason
    expect(refusals.map((refusal) => [refusal.message, refusal.data?.code])).toEqual(refusals.map(() => ['unauthorized', 'banned']));
    await Promise.all(sockets.map((socket) => disconnection(socket)));
    expect((await connectError(nodeB(), { token })).data).toMatchObject({ code: 'banned' });
  });
});

describe('hardening: auth:refresh inside the event budget', () => {
  const THROTTLE_WS_LIMIT = 6;
  const cluster = useCluster(2, { THROTTLE_WS_LIMIT: String(THROTTLE_WS_LIMIT), THROTTLE_WS_TTL_MS: '60000' });

  it('refuses auth:refresh with rate_limited once the user spent the budget', async () => {
    const refresher = await connect(cluster.nodes[0].url, { token: makeToken({ sub: 'integrity-refresher' }) });
    let spent = false;
    for (let i = 0; i <= THROTTLE_WS_LIMIT && !spent; i++) {
      spent = (await request(refresher, 'message:history', { room: 'budget-room', limit: 1 })).ok === false;
    }
    expect(spent).toBe(true);

    const refreshed = await request(refresher, 'auth:refresh', { token: makeToken({ sub: 'integrity-refresher' }) });
    expect(refreshed).toMatchObject({ ok: false, error: { code: 'rate_limited' } });
  });
});
