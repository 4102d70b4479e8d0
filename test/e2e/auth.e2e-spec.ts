import { generateKeyPairSync } from 'node:crypto';
import { sign } from 'jsonwebtoken';
import { connect, connectError, disconnection, nextEvent, requestOk } from '../support/clients';
import { startNode, TestNode } from '../support/nodes';
import { uniqueRoom, useCluster } from '../support/scenario';
import { makeToken, TEST_JWT_SECRET } from '../support/tokens';

describe('handshake authentication', () => {
  const cluster = useCluster(2);
  const nodeA = () => cluster.nodes[0].url;
  const nodeB = () => cluster.nodes[1].url;
  const now = () => Math.floor(Date.now() / 1000);

  it('accepts a token in auth.token and in an Authorization: Bearer header', async () => {
    const viaAuth = await connect(nodeA(), { token: makeToken({ sub: 'alice' }) });
    expect(viaAuth.connected).toBe(true);
    const viaHeader = await connect(nodeA(), { transports: ['polling'], extraHeaders: { Authorization: `Bearer ${makeToken({ sub: 'bot' })}` } });
    expect(viaHeader.connected).toBe(true);
    const room = uniqueRoom();
    expect(await requestOk(viaHeader, 'room:join', { room })).toMatchObject({ room });
  });

  const refusals: [string, () => Record<string, unknown>, string][] = [
    ['no token at all', () => ({}), 'token_missing'],
    ['a token that is not a JWT', () => ({ token: 'not-a-jwt' }), 'token_invalid'],
    [
      'a token signed with another secret',
      () => ({ token: makeToken({ sub: 'mallory' }, { secret: 'another-secret-another-secret-another' }) }),
      'token_invalid',
    ],
    ['an unsigned token (alg none)', () => ({ token: sign({ sub: 'mallory', exp: now() + 60 }, '', { algorithm: 'none' }) }), 'token_invalid'],
    ['a token without sub', () => ({ token: sign({ exp: now() + 60 }, TEST_JWT_SECRET) }), 'token_invalid'],
    ['a token without exp', () => ({ token: sign({ sub: 'alice' }, TEST_JWT_SECRET) }), 'token_invalid'],
    ['a token whose sub has braces', () => ({ token: makeToken({ sub: 'a{b}' }) }), 'token_invalid'],
    ['an expired token', () => ({ token: makeToken({ sub: 'alice', iat: now() - 120, exp: now() - 60 }) }), 'token_expired'],
    ['a bearer header with a bad token', () => ({ extraHeaders: { Authorization: 'Bearer nope' }, transports: ['polling'] }), 'token_invalid'],
  ];

  it.each(refusals)('refuses %s with connect_error unauthorized / %s', async (_case, options, code) => {
    const error = await connectError(nodeA(), options());
    expect(error.message).toBe('unauthorized');
    expect(error.data).toEqual({ code, message: expect.any(String) });
  });

  it("logs out over REST: the token's connection on the other node hears session logout and closes, and the token is refused from then on", async () => {
    const token = makeToken({ sub: 'alice' });
    const otherDevice = await connect(nodeB(), { token: makeToken({ sub: 'alice' }) });
    const onB = await connect(nodeB(), { token });
    const told = nextEvent(onB, 'session');
    const closed = disconnection(onB);

    const response = await fetch(`${nodeA()}/auth/logout`, { method: 'POST', headers: { Authorization: `Bearer ${token}` } });
    expect(response.status).toBe(204);
    expect(await told).toEqual({ reason: 'logout' });
    expect(await closed).toBe('io server disconnect');

    const refused = await connectError(nodeA(), { token });
    expect(refused.data.code).toBe('token_revoked');
    const again = await fetch(`${nodeB()}/auth/logout`, { method: 'POST', headers: { Authorization: `Bearer ${token}` } });
    expect(again.status).toBe(401);
    // the user's other token is untouched
    expect(otherDevice.connected).toBe(true);
    expect(await requestOk(otherDevice, 'room:join', { room: uniqueRoom() })).toHaveProperty('room');
  });

  it("logs out a token without a jti claim all the same, leaving the user's other tokens alone", async () => {
    const withoutJti = makeToken({ sub: 'legacy', jti: null });
    const other = makeToken({ sub: 'legacy', jti: null, exp: Math.floor(Date.now() / 1000) + 7200 });
    const socket = await connect(nodeB(), { token: withoutJti });
    const told = nextEvent(socket, 'session');
    expect((await fetch(`${nodeA()}/auth/logout`, { method: 'POST', headers: { Authorization: `Bearer ${withoutJti}` } })).status).toBe(204);
    expect(await told).toEqual({ reason: 'logout' });
    expect((await connectError(nodeA(), { token: withoutJti })).data.code).toBe('token_revoked');
    expect((await connect(nodeA(), { token: other })).connected).toBe(true);
  });

  it('answers 401 to a logout without a valid bearer token', async () => {
    const attempts: Record<string, string>[] = [{}, { Authorization: 'Bearer garbage' }, { Authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }];
    for (const headers of attempts) {
      const response = await fetch(`${nodeA()}/auth/logout`, { method: 'POST', headers });
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ statusCode: 401, error: 'Unauthorized', message: expect.any(String) });
    }
  });
});

describe('RS256 public keys and issuer/audience', () => {
  let node: TestNode;
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const cluster = useCluster(0);

  beforeAll(async () => {
    node = await startNode({ REDIS_URL: cluster.redis.url, JWT_SECRET: '', JWT_PUBLIC_KEY: pem, JWT_ISSUER: 'https://idp.example', JWT_AUDIENCE: 'chat' });
  });
  afterAll(() => node.stop('SIGKILL'));

  const signRs = (claims: object, options: object = {}) =>
    sign({ sub: 'carol', exp: Math.floor(Date.now() / 1000) + 60, ...claims }, privateKey, {
      algorithm: 'RS256',
      issuer: 'https://idp.example',
      audience: 'chat',
      ...options,
    });

  it('accepts an RS256 token with the configured issuer and audience', async () => {
    const socket = await connect(node.url, { token: signRs({}) });
    expect(socket.connected).toBe(true);
  });

  it('refuses a wrong audience, a wrong issuer, and an HS256 token when only a public key is configured', async () => {
    expect((await connectError(node.url, { token: signRs({}, { audience: 'other' }) })).data.code).toBe('token_invalid');
    expect((await connectError(node.url, { token: signRs({}, { issuer: 'https://evil.example' }) })).data.code).toBe('token_invalid');
    expect((await connectError(node.url, { token: makeToken({ sub: 'carol' }) })).data.code).toBe('token_invalid');
  });
});
