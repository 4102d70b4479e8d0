import { Socket } from 'socket.io-client';
import { connect, connectError, disconnection, requestOk } from '../support/clients';
import { startNode, TestNode } from '../support/nodes';
import { rawHttp } from '../support/polling';
import { uniqueRoom, useCluster } from '../support/scenario';
import { makeToken } from '../support/tokens';

const MAX_PER_USER = 3;
const ALLOWED_ORIGIN = 'https://app.example.com';
const FOREIGN_ORIGIN = 'https://evil.example.com';
const ENV = {
  MAX_CONNECTIONS_PER_USER: String(MAX_PER_USER),
  // the lease of a connection: a dead node's connections stop counting within it
  PRESENCE_TTL_SEC: '3',
  HANDSHAKE_LIMIT_PER_IP: '1000',
  CORS_ORIGINS: ALLOWED_ORIGIN,
};

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Retries until the handshake is admitted, for what only time can bring (a lease running out). */
async function connectWithin(url: string, token: string, withinMs: number): Promise<Socket> {
  const giveUpAt = Date.now() + withinMs;
  for (;;) {
    try {
      return await connect(url, { token });
    } catch (error) {
      if ((error as Error).message !== 'rate_limited' || Date.now() > giveUpAt) throw error;
      await delay(250);
    }
  }
}

describe('connection limits', () => {
  const cluster = useCluster(2, ENV);
  const nodeA = () => cluster.nodes[0].url;
  const nodeB = () => cluster.nodes[1].url;

  it('admits at most MAX_CONNECTIONS_PER_USER connections of a user across nodes, and frees a slot when one ends', async () => {
    const tokens = Array.from({ length: MAX_PER_USER + 1 }, () => makeToken({ sub: 'many-tabs' }));
    await connect(nodeA(), { token: tokens[0] });
    await connect(nodeB(), { token: tokens[1] });
    await connect(nodeA(), { token: tokens[2] });

    for (const url of [nodeA(), nodeB()]) {
      const refused = await connectError(url, { token: tokens[3] });
      expect(refused.message).toBe('rate_limited');
      expect(refused.data).toMatchObject({ code: 'rate_limited', reason: 'too_many_connections', message: expect.any(String) });
    }
    expect(await connect(nodeB(), { token: makeToken({ sub: 'someone-else' }) })).toBeTruthy();

    // logging out one token ends its connection on node A, which releases its slot before answering
    expect((await rawHttp(`${nodeA()}/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${tokens[0]}` } })).status).toBe(204);
    const admitted = await connect(nodeA(), { token: tokens[3] });
    expect(admitted.connected).toBe(true);
  });

  it('stops counting the connections of a node that died without cleaning up', async () => {
    const extra: TestNode = await startNode({ REDIS_URL: cluster.redis.url, NODE_ID: 'doomed', ...ENV });
    try {
      const token = makeToken({ sub: 'survivor' });
      for (let i = 0; i < MAX_PER_USER; i++) await connect(extra.url, { token });
      expect((await connectError(nodeA(), { token })).message).toBe('rate_limited');

      await extra.stop('SIGKILL');

      const admitted = await connectWithin(nodeA(), token, 15_000);
      expect(admitted.connected).toBe(true);
    } finally {
      await extra.stop('SIGKILL');
    }
  });

  it('limits handshakes per client address, bad tokens included, with a retry hint', async () => {
    const strict: TestNode = await startNode({ REDIS_URL: cluster.redis.url, NODE_ID: 'strict', ...ENV, HANDSHAKE_LIMIT_PER_IP: '10' });
    try {
      const from = (address: string) => ({ extraHeaders: { 'x-forwarded-for': address } });
      const outcomes = [];
      for (let i = 0; i < 10; i++) {
        const token = i % 2 === 0 ? makeToken({ sub: `visitor-${i}` }) : 'not-a-token';
        outcomes.push(
          await connect(strict.url, { token, ...from('192.0.2.1') }).then(
            (socket) => (socket.close(), 'connected'),
            (error: Error) => error.message,
          ),
        );
      }
      const refused = await connectError(strict.url, { token: makeToken({ sub: 'visitor-10' }), ...from('192.0.2.1') });
      const elsewhere = await connect(strict.url, { token: makeToken({ sub: 'visitor-11' }), ...from('192.0.2.2') });

      expect(outcomes).toEqual(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? 'connected' : 'unauthorized')));
      expect(refused.message).toBe('rate_limited');
      expect(refused.data).toMatchObject({ code: 'rate_limited', reason: 'handshake_rate', retryAfterMs: expect.any(Number) });
      expect(refused.data.retryAfterMs).toBeGreaterThan(0);
      expect(elsewhere.connected).toBe(true);
    } finally {
      await strict.stop('SIGKILL');
    }
  });

  it('stays ready after a burst of hundreds of handshakes with good and bad tokens', async () => {
    const expired = makeToken({ sub: 'late', exp: Math.floor(Date.now() / 1000) - 60 });
    const attempts = Array.from({ length: 400 }, (_, i) => {
      if (i % 4 === 1) return { token: 'not-a-token', expect: 'unauthorized' };
      if (i % 4 === 3) return { token: i % 8 === 3 ? expired : makeToken({ sub: `burst-${i}` }, { secret: 'x'.repeat(40) }), expect: 'unauthorized' };
      return { token: makeToken({ sub: `burst-${i}` }), expect: 'connected' };
    });
    const outcomes: string[] = [];
    const sockets: Socket[] = [];
    for (let start = 0; start < attempts.length; start += 100) {
      const batch = attempts.slice(start, start + 100).map(({ token }) =>
        connect(nodeA(), { token }).then(
          (socket) => (sockets.push(socket), 'connected'),
          (error: Error) => error.message,
        ),
      );
      outcomes.push(...(await Promise.all(batch)));
    }
    expect(outcomes).toEqual(attempts.map((attempt) => attempt.expect));
    await Promise.all(
      sockets.map((socket) => {
        const gone = disconnection(socket);
        socket.close();
        return gone;
      }),
    );

    expect((await rawHttp(`${nodeA()}/health/ready`)).status).toBe(200);
    const room = uniqueRoom();
    const after = await connect(nodeA(), { token: makeToken({ sub: 'after-the-storm' }) });
    await requestOk(after, 'room:join', { room });
    expect(await requestOk(after, 'message:send', { room, content: 'calm again' })).toMatchObject({ content: 'calm again' });
  });
});

describe('CORS and security headers', () => {
  const cluster = useCluster(1, ENV);
  const node = () => cluster.nodes[0].url;
  const polling = (origin?: string) => rawHttp(`${node()}/socket.io/?EIO=4&transport=polling`, { headers: origin ? { origin } : {} });

  it('accepts the Socket.IO polling handshake from an allowed origin, with its CORS headers', async () => {
    const response = await polling(ALLOWED_ORIGIN);
    expect(response.status).toBe(200);
    expect(response.body).toMatch(/^0\{"sid":/);
    expect(response.headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN);
    expect(response.headers['access-control-allow-credentials']).toBe('true');
  });

  it('refuses the Socket.IO polling handshake from a foreign origin', async () => {
    const response = await polling(FOREIGN_ORIGIN);
    expect(response.status).toBe(403);
    expect(response.body).not.toMatch(/"sid"/);
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('accepts clients that send no Origin (servers, mobile apps)', async () => {
    expect((await polling()).status).toBe(200);
  });

  it('refuses a WebSocket from a foreign origin and accepts one from an allowed origin', async () => {
    const token = makeToken({ sub: 'browser' });
    const refused = await connectError(node(), { token, extraHeaders: { origin: FOREIGN_ORIGIN } });
    // answered, not left to time out: engine.io answers every refused upgrade 400, whatever the reason, and the
    // same handshake from the allowed origin below is admitted
    expect(refused.message).toBe('websocket error');
    expect((refused as { description?: { message?: string } }).description?.message).toBe('Unexpected server response: 400');
    const allowed = await connect(node(), { token, extraHeaders: { origin: ALLOWED_ORIGIN } });
    expect(allowed.connected).toBe(true);
  });

  it('answers a REST preflight for an allowed origin only', async () => {
    const preflight = (origin: string) =>
      rawHttp(`${node()}/auth/logout`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' },
      });
    const allowed = await preflight(ALLOWED_ORIGIN);
    const foreign = await preflight(FOREIGN_ORIGIN);

    expect(allowed.status).toBe(204);
    expect(allowed.headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN);
    expect(allowed.headers['access-control-allow-methods']).toMatch(/POST/);
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
  });

  it("sends helmet's security headers on REST", async () => {
    const response = await rawHttp(`${node()}/health/live`);
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(response.headers['x-powered-by']).toBeUndefined();
  });
});
