import { Ack, collect, connect, request, requestOk, roundTrip } from '../support/clients';
import { untilTrue } from '../support/condition';
import { rawHttp } from '../support/polling';
import { uniqueRoom, useCluster } from '../support/scenario';
import { makeToken } from '../support/tokens';

const WS_LIMIT = 5;
/** Longer than any test here: the events a test counts fall into one window, however slowly a loaded machine sends them. */
const WS_TTL_MS = 60_000;
/** The window of the test that waits for one to end. */
const SHORT_WS_TTL_MS = 2000;
const HTTP_LIMIT = 3;

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('rate limits shared by all nodes', () => {
  const cluster = useCluster(2, {
    THROTTLE_WS_LIMIT: String(WS_LIMIT),
    THROTTLE_WS_TTL_MS: String(WS_TTL_MS),
    THROTTLE_HTTP_LIMIT: String(HTTP_LIMIT),
    THROTTLE_HTTP_TTL_MS: '60000',
  });
  const nodeA = () => cluster.nodes[0].url;
  const nodeB = () => cluster.nodes[1].url;
  /** The test clients sit on loopback, a trusted proxy by default: X-Forwarded-For gives each test its own address. */
  const from = (address: string, headers: Record<string, string> = {}) => ({ headers: { 'x-forwarded-for': address, ...headers } });

  it("counts one user's events on every node against one budget", async () => {
    const token = makeToken({ sub: 'chatty' });
    const onA = await connect(nodeA(), { token });
    const onB = await connect(nodeB(), { token });
    const neighbour = await connect(nodeA(), { token: makeToken({ sub: 'neighbour' }) });

    for (const socket of [onA, onB, onA, onB, onA]) await requestOk(socket, 'message:history', { room: 'lobby' });
    const refusedOnB = await request(onB, 'message:history', { room: 'lobby' });
    const refusedOnA = await request(onA, 'message:history', { room: 'lobby' });

    for (const refused of [refusedOnA, refusedOnB]) {
      expect(refused).toMatchObject({ ok: false, error: { code: 'rate_limited', details: { retryAfterMs: expect.any(Number) } } });
    }
    const { retryAfterMs } = (refusedOnA as { error: { details: { retryAfterMs: number } } }).error.details;
    expect(retryAfterMs).toBeGreaterThan(0);
    expect(retryAfterMs).toBeLessThanOrEqual(WS_TTL_MS);
    expect(await request(neighbour, 'message:history', { room: 'lobby' })).toMatchObject({ ok: true });
    expect((await rawHttp(`${nodeA()}/metrics`)).body).toMatch(/chat_rate_limited_total\{limit="socket_events"\} [1-9]/);

    // the audit entry is written beside the refusal, not before it: read until it is there.
    // REST counts per user: each read is by an auditor of its own, so that no read is itself throttled.
    let reads = 0;
    const entries = await untilTrue(async () => {
      reads += 1;
      const auditor = { headers: { authorization: `Bearer ${makeToken({ sub: `auditor-${reads}`, roles: ['admin'] })}` } };
      const read = await rawHttp(`${nodeB()}/admin/audit?action=rate_limit.hit&actor=chatty`, auditor);
      expect(read.status).toBe(200);
      const found = JSON.parse(read.body).entries as { actor: string; target: { userId: string }; details: { limit: string } }[];
      return found.length > 0 && found;
    }, 'the rate_limit.hit audit entry of chatty');
    // once per node at most: each node audits its own refusals of a user once per window
    expect(entries.length).toBeLessThanOrEqual(2);
    expect(entries[0]).toMatchObject({ actor: 'chatty', target: { userId: 'chatty' }, details: { limit: 'socket_events' } });
  });

  it('stores and broadcasts nothing for a refused send', async () => {
    const room = uniqueRoom();
    const sender = await connect(nodeA(), { token: makeToken({ sub: 'flooder' }) });
    const reader = await connect(nodeB(), { token: makeToken({ sub: 'reader' }) });
    await requestOk(reader, 'room:join', { room });
    const received = collect<{ content: string }>(reader, 'message');

    await requestOk(sender, 'room:join', { room });
    const acks = [];
    for (let i = 0; i < WS_LIMIT + 2; i++) acks.push(await request(sender, 'message:send', { room, content: `m${i}` }));

    expect(acks.map((ack) => (ack.ok ? 'ok' : ack.error.code))).toEqual([...Array(WS_LIMIT - 1).fill('ok'), 'rate_limited', 'rate_limited', 'rate_limited']);
    const history = await requestOk(reader, 'message:history', { room });
    expect(history.messages.map((message: { content: string }) => message.content)).toEqual(['m0', 'm1', 'm2', 'm3']);
    await roundTrip(reader);
    expect(received.map((message) => message.content)).toEqual(['m0', 'm1', 'm2', 'm3']);
  });

  it('answers REST clients over their budget with 429 and Retry-After, per address and across nodes', async () => {
    const statuses = [];
    for (const url of [nodeA(), nodeB(), nodeA()]) statuses.push((await rawHttp(`${url}/auth/logout`, { method: 'POST', ...from('203.0.113.10') })).status);
    const refused = await rawHttp(`${nodeB()}/auth/logout`, { method: 'POST', ...from('203.0.113.10') });
    const otherAddress = await rawHttp(`${nodeB()}/auth/logout`, { method: 'POST', ...from('203.0.113.11') });

    expect(statuses).toEqual([401, 401, 401]);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(JSON.parse(refused.body)).toMatchObject({ statusCode: 429, error: 'Too Many Requests', message: expect.any(String) });
    expect(otherAddress.status).toBe(401);
    expect((await rawHttp(`${nodeB()}/metrics`)).body).toMatch(/chat_rate_limited_total\{limit="http_requests"\} [1-9]/);
  });

  it('counts an authenticated REST client per user, whatever its address', async () => {
    const token = makeToken({ sub: 'roaming-user' });
    const auth = { authorization: `Bearer ${token}` };
    const statuses = [];
    for (const [i, url] of [nodeA(), nodeB(), nodeA(), nodeB()].entries()) {
      statuses.push((await rawHttp(`${url}/auth/logout`, { method: 'POST', ...from(`198.51.100.${i + 1}`, auth) })).status);
    }
    // the first logout revokes the token (204), the next ones are refused (401), the one over budget is throttled
    expect(statuses).toEqual([204, 401, 401, 429]);
  });

  it('never throttles health probes or /metrics, even for an address over its budget', async () => {
    for (let i = 0; i < HTTP_LIMIT + 1; i++) await rawHttp(`${nodeA()}/auth/logout`, { method: 'POST', ...from('203.0.113.20') });
    expect((await rawHttp(`${nodeA()}/auth/logout`, { method: 'POST', ...from('203.0.113.20') })).status).toBe(429);

    const statuses = [];
    for (let i = 0; i < HTTP_LIMIT * 3; i++) {
      for (const path of ['/health/live', '/health/ready', '/health', '/metrics'])
        statuses.push((await rawHttp(`${nodeA()}${path}`, from('203.0.113.20'))).status);
    }
    expect(new Set(statuses)).toEqual(new Set([200]));
  });
});

describe('a socket event budget after its window', () => {
  const cluster = useCluster(2, { THROTTLE_WS_LIMIT: String(WS_LIMIT), THROTTLE_WS_TTL_MS: String(SHORT_WS_TTL_MS) });

  it('is restored on every node once the window the refusal names is over', async () => {
    const token = makeToken({ sub: 'patient' });
    const sockets = [await connect(cluster.nodes[0].url, { token }), await connect(cluster.nodes[1].url, { token })];
    // spent until refused, alternating nodes: a loaded machine may let a window end midway, and a fresh one begins
    let refused: Ack | undefined;
    for (let i = 0; !refused; i++) {
      if (i === 10 * WS_LIMIT) throw new Error(`no refusal after ${i} events`);
      const ack = await request(sockets[i % 2], 'message:history', { room: 'lobby' });
      if (!ack.ok) refused = ack;
    }
    expect(refused).toMatchObject({ ok: false, error: { code: 'rate_limited', details: { retryAfterMs: expect.any(Number) } } });
    const { retryAfterMs } = (refused as { error: { details: { retryAfterMs: number } } }).error.details;
    expect(retryAfterMs).toBeGreaterThan(0);
    expect(retryAfterMs).toBeLessThanOrEqual(SHORT_WS_TTL_MS);

    // time passing is the subject: the wait the refusal asked for
    await delay(retryAfterMs + 50);
    for (const socket of sockets) expect(await request(socket, 'message:history', { room: 'lobby' })).toMatchObject({ ok: true });
  });
});
