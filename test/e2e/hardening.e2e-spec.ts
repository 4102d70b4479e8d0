import { sign } from 'jsonwebtoken';
import { networkInterfaces } from 'node:os';
import { connect, connectError, request, requestOk } from '../support/clients';
import { http } from '../support/http';
import { startNode, TestNode } from '../support/nodes';
import { startRedis, TestRedis } from '../support/redis-server';
import { useCluster } from '../support/scenario';
import { makeToken, TEST_JWT_SECRET } from '../support/tokens';

const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;

describe('a rooms claim that is not an array of strings', () => {
  const cluster = useCluster(2);
  const nodeA = () => cluster.nodes[0].url;
  const nodeB = () => cluster.nodes[1].url;
  const withRooms = (rooms: unknown) => sign({ sub: 'restricted', exp: inAnHour(), rooms }, TEST_JWT_SECRET);

  it.each([
    ['a single string', 'team-a'],
    ['an array holding a number', ['team-a', 7]],
    ['null', null],
    ['an object', { team: 'team-a' }],
  ])('makes the token token_invalid on every node and on REST: %s', async (_case, rooms) => {
    const token = withRooms(rooms);
    for (const node of [nodeA(), nodeB()]) {
      const refused = await connectError(node, { token });
      expect(refused.message).toBe('unauthorized');
      expect(refused.data.code).toBe('token_invalid');
    }
    expect((await http(nodeA(), 'POST', '/auth/logout', { token })).status).toBe(401);
  });

  it('still restricts a token whose rooms claim is an array of strings', async () => {
    const member = await connect(nodeB(), { token: withRooms(['team-a']) });
    await requestOk(member, 'room:join', { room: 'team-a' });
    expect(await request(member, 'room:join', { room: 'team-b' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });

  it('leaves a token without a rooms claim unrestricted', async () => {
    const anyone = await connect(nodeA(), { token: makeToken({ sub: 'anyone' }) });
    await requestOk(anyone, 'room:join', { room: 'team-b' });
  });
});

describe('token errors seen by an anonymous client', () => {
  const AUDIENCE = 'chat-audience-7f3';
  const ISSUER = 'https://idp-7f3.example';
  let redis: TestRedis;
  let node: TestNode;
  beforeAll(async () => {
    redis = await startRedis();
    node = await startNode({ REDIS_URL: redis.url, JWT_AUDIENCE: AUDIENCE, JWT_ISSUER: ISSUER });
  });
  afterAll(async () => {
    await node?.stop('SIGKILL');
    await redis?.stop();
  });
  const signed = (options: { audience?: string; issuer?: string }) =>
    sign({ sub: 'visitor', exp: inAnHour() }, TEST_JWT_SECRET, { audience: AUDIENCE, issuer: ISSUER, ...options });

  it.each([
    ['a wrong audience', { audience: 'other' }, 'jwt audience invalid'],
    ['a wrong issuer', { issuer: 'https://other.example' }, 'jwt issuer invalid'],
  ])('name neither the expected audience nor issuer for %s, on Socket.IO and REST; the server log does', async (_case, options, reason) => {
    const token = signed(options);
    const refused = await connectError(node.url, { token });
    const rest = await http(node.url, 'POST', '/auth/logout', { token });

    expect(refused.data).toEqual({ code: 'token_invalid', message: 'token invalid' });
    expect(rest.status).toBe(401);
    for (const told of [JSON.stringify(refused.data), JSON.stringify(rest.body)]) {
      expect(told).not.toContain(AUDIENCE);
      expect(told).not.toContain(ISSUER);
      expect(told).not.toContain('expected');
    }
    expect(node.logs()).toContain(reason);
    expect(node.logs()).toContain('audience' in options ? AUDIENCE : ISSUER);
  });

  it('still accepts a token with the configured audience and issuer', async () => {
    expect((await connect(node.url, { token: signed({}) })).connected).toBe(true);
  });
});

/**
 * An address of this machine on a private network (IPv4 10/8, 172.16/12, 192.168/16 or IPv6 unique-local fc00::/7):
 * a client connecting from it is, as far as the node can tell, a client on a private network, which the default
 * TRUST_PROXY once trusted. Read when the tests run, not when the file loads, so that a machine without one fails
 * these tests, and these alone, saying why.
 */
function privateNetworkAddress(): { address: string; host: string } {
  const isPrivate = (family: string, address: string) =>
    family === 'IPv4' ? /^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.)/.test(address) : /^f[cd]/i.test(address);
  const found = Object.values(networkInterfaces())
    .flat()
    .find((candidate) => candidate !== undefined && !candidate.internal && isPrivate(candidate.family, candidate.address));
  if (!found)
    throw new Error(
      'these tests need a private-network address on a network interface (IPv4 10/8, 172.16/12, 192.168/16 or IPv6 fc00::/7); this machine has none',
    );
  return { address: found.address, host: found.family === 'IPv6' ? `[${found.address}]` : found.address };
}

describe('whose X-Forwarded-For counts for per-address limits', () => {
  const HANDSHAKES_PER_ADDRESS = 2;
  let redis: TestRedis;
  let defaults: TestNode;
  let behindProxy: TestNode;
  let own: { address: string; host: string };
  const viaPrivateNetwork = (node: TestNode) => node.url.replace('127.0.0.1', own.host);
  beforeAll(async () => {
    own = privateNetworkAddress();
    redis = await startRedis();
    const env = { REDIS_URL: redis.url, HOST: '::', HANDSHAKE_LIMIT_PER_IP: String(HANDSHAKES_PER_ADDRESS) };
    [defaults, behindProxy] = await Promise.all([startNode(env), startNode({ ...env, TRUST_PROXY: own.address })]);
  });
  afterAll(async () => {
    await Promise.all([defaults?.stop('SIGKILL'), behindProxy?.stop('SIGKILL')]);
    await redis?.stop();
  });
  const handshakesClaiming = async (url: string, prefix: string) => {
    const outcomes: string[] = [];
    for (let i = 1; i <= HANDSHAKES_PER_ADDRESS + 1; i++) {
      const options = { token: makeToken({ sub: `${prefix}-${i}` }), extraHeaders: { 'x-forwarded-for': `${prefix}.${i}` } };
      outcomes.push(
        await connect(url, options).then(
          (socket) => (socket.close(), 'connected'),
          (error: Error) => error.message,
        ),
      );
    }
    return outcomes;
  };

  it('by default counts a client on a private network against its own address, whatever it claims', async () => {
    expect(await handshakesClaiming(viaPrivateNetwork(defaults), '203.0.113')).toEqual(['connected', 'connected', 'rate_limited']);
  });

  it('counts against the forwarded address when TRUST_PROXY names the proxy', async () => {
    expect(await handshakesClaiming(viaPrivateNetwork(behindProxy), '198.51.100')).toEqual(['connected', 'connected', 'connected']);
  });
});

describe('metrics and API docs on a node that closes them', () => {
  const METRICS_TOKEN = 'scraper-token-0123456789';
  const cluster = useCluster(2, { METRICS_TOKEN, API_DOCS: 'false' });
  const scrape = (url: string, authorization?: string) => fetch(`${url}/metrics`, { headers: authorization ? { authorization } : {} });

  it('answers /metrics 401 without the bearer METRICS_TOKEN, and the Prometheus text with it', async () => {
    for (const { url } of cluster.nodes) {
      expect((await scrape(url)).status).toBe(401);
      expect((await scrape(url, `Bearer ${METRICS_TOKEN}x`)).status).toBe(401);
      expect((await scrape(url, `Bearer ${makeToken({ sub: 'admin', roles: ['admin'] })}`)).status).toBe(401);
      const allowed = await scrape(url, `Bearer ${METRICS_TOKEN}`);
      expect(allowed.status).toBe(200);
      expect(await allowed.text()).toContain('chat_socket_events_in_flight');
    }
  });

  it('serves no /docs nor /docs-json with API_DOCS=false', async () => {
    for (const path of ['/docs', '/docs-json']) expect((await fetch(`${cluster.nodes[0].url}${path}`)).status).toBe(404);
  });
});

describe('metrics and API docs by default', () => {
  const cluster = useCluster(1);

  it('serves /metrics, /docs and /docs-json', async () => {
    for (const path of ['/metrics', '/docs', '/docs-json']) expect((await fetch(`${cluster.nodes[0].url}${path}`)).status).toBe(200);
  });
});
