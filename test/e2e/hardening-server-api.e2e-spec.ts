import { io } from 'socket.io-client';
import { connect, connectError, requestOk } from '../support/clients';
import { http } from '../support/http';
import { startNode, TestNode, timeoutForNodeStarts } from '../support/nodes';
import { until } from '../support/redis-failover';
import { uniqueRoom, useCluster } from '../support/scenario';
import { makeToken } from '../support/tokens';

const AUDIT_MAX_ENTRIES = 10;
const FULL_KEY = 'full0-key-for-the-server-api-hardening-tests-0123';
const PUBLISH_KEY = 'publ1-key-that-may-only-publish-messages-0123456';
const OPS_KEY = 'opsk2-key-that-may-read-presence-and-disconnect-9';
const ADMIN_TOKEN = makeToken({ sub: 'round-two-admin', roles: ['admin'] });
const ADMIN_UI_PASSWORD = 'admin-ui-test-password';
/** The timeout of a test or hook that starts a node of its own: that start, and 20 s of work. */
const EXTRA_NODE_TIMEOUT_MS = timeoutForNodeStarts(1, 20_000);

interface AuditEntry {
  actor: string;
  action: string;
  target: { userId?: string; room?: string };
  details: { code?: string; count?: number; address?: string; limit?: string };
}

describe('hardening, round two: the server API, refused handshakes and the admin UI', () => {
  const scenario = useCluster(1, {
    AUDIT_MAX_ENTRIES: String(AUDIT_MAX_ENTRIES),
    SERVER_API_KEYS: `${FULL_KEY},publish@${PUBLISH_KEY},presence+disconnect@${OPS_KEY}`,
    ADMIN_UI: 'true',
    ADMIN_UI_USERNAME: 'ops',
    // bcrypt of ADMIN_UI_PASSWORD, cost 10
    ADMIN_UI_PASSWORD_HASH: '$2a$10$j8fwamdnY4O17gm7oyDV3uMVY5pWrNlpqskSO7Uxh25BcuV5VZMbq',
  });
  const url = () => scenario.nodes[0].url;
  const withKey = (key: string, method: string, path: string, body?: unknown) => http(url(), method, path, { headers: { 'x-api-key': key }, body });
  const trail = async (query = '') => {
    const answer = await http(url(), 'GET', `/admin/audit?limit=100${query}`, { token: ADMIN_TOKEN });
    expect(answer.status).toBe(200);
    return answer.body.entries as AuditEntry[];
  };
  const ban = async (userId: string) =>
    expect((await http(url(), 'POST', `/admin/users/${userId}/ban`, { token: ADMIN_TOKEN, body: { durationSec: 600 } })).status).toBe(204);

  describe('the audit trail and server API volume', () => {
    it(`keeps a ban in a ${AUDIT_MAX_ENTRIES}-entry trail through any number of server API calls, and audits no presence read`, async () => {
      await ban('trail-victim');
      for (let i = 0; i < AUDIT_MAX_ENTRIES + 2; i++) expect((await withKey(FULL_KEY, 'GET', '/server/users/trail-victim/presence')).status).toBe(200);
      const room = uniqueRoom('volume');
      for (let i = 0; i < 2 * AUDIT_MAX_ENTRIES + 5; i++)
        expect((await withKey(FULL_KEY, 'POST', `/server/rooms/${room}/messages`, { content: `n${i}` })).status).toBe(201);

      const entries = await trail();
      expect(entries.find((entry) => entry.action === 'user.ban' && entry.target.userId === 'trail-victim')).toBeDefined();
      expect(entries.filter((entry) => entry.action === 'server.presence.read')).toEqual([]);
      // the server API's own share: its newest AUDIT_MAX_ENTRIES calls
      const publishes = entries.filter((entry) => entry.action === 'server.message.publish');
      expect(publishes).toHaveLength(AUDIT_MAX_ENTRIES);
      expect(publishes[0]).toMatchObject({ actor: `apikey:${FULL_KEY.slice(0, 6)}`, target: { room }, details: { content: `n${2 * AUDIT_MAX_ENTRIES + 4}` } });
    });
  });

  describe('API key scopes', () => {
    const calls = (room: string) => ({
      publish: ['POST', `/server/rooms/${room}/messages`, { content: 'scoped' }],
      broadcast: ['POST', '/server/broadcast', { rooms: [room], content: 'scoped' }],
      notify: ['POST', '/server/users/scoped-user/notify', { type: 'ping', data: null }],
      presence: ['GET', '/server/users/scoped-user/presence', undefined],
      disconnect: ['POST', '/server/users/scoped-user/disconnect', {}],
    });
    const statusesWith = async (key: string) => {
      const statuses: Record<string, number> = {};
      for (const [name, [method, path, body]] of Object.entries(calls(uniqueRoom('scoped'))))
        statuses[name] = (await withKey(key, method as string, path as string, body)).status;
      return statuses;
    };

    it('lets a publish@ key publish and broadcast only, and answers 403 to its other calls', async () => {
      expect(await statusesWith(PUBLISH_KEY)).toEqual({ publish: 201, broadcast: 201, notify: 403, presence: 403, disconnect: 403 });
      const refused = await withKey(PUBLISH_KEY, 'GET', '/server/users/scoped-user/presence');
      expect(refused.body.message).toBe("this API key's scopes (publish) do not include presence");
    });

    it('lets a presence+disconnect@ key do just those, and a key without scopes everything', async () => {
      expect(await statusesWith(OPS_KEY)).toEqual({ publish: 403, broadcast: 403, notify: 403, presence: 200, disconnect: 204 });
      expect(await statusesWith(FULL_KEY)).toEqual({ publish: 201, broadcast: 201, notify: 202, presence: 200, disconnect: 204 });
    });
  });

  describe('banned authors', () => {
    it('refuses a message or broadcast in the name of a banned user with 403 forbidden, stores nothing, and still takes one by anyone else', async () => {
      const room = uniqueRoom('banned-author');
      await ban('banned-author');
      const viaKey = await withKey(FULL_KEY, 'POST', `/server/rooms/${room}/messages`, { content: 'in their name', userId: 'banned-author' });
      expect(viaKey.status).toBe(403);
      expect(viaKey.body).toMatchObject({ code: 'forbidden', message: 'banned-author is banned and may not author messages' });
      const serviceToken = makeToken({ sub: 'billing-service', roles: ['service'] });
      const broadcast = await http(url(), 'POST', '/server/broadcast', {
        token: serviceToken,
        body: { rooms: [room], content: 'in their name', userId: 'banned-author' },
      });
      expect(broadcast.status).toBe(403);
      expect(broadcast.body.code).toBe('forbidden');
      expect((await withKey(FULL_KEY, 'POST', `/server/rooms/${room}/messages`, { content: 'by someone else', userId: 'good-author' })).status).toBe(201);

      const reader = await connect(url(), { token: makeToken({ sub: 'history-reader' }) });
      await requestOk(reader, 'room:join', { room });
      expect((await requestOk(reader, 'message:history', { room })).messages.map((message: { userId: string }) => message.userId)).toEqual(['good-author']);
    });
  });

  describe('refused handshakes behind a trusted proxy', () => {
    it('are aggregated by the address the handshake limit counts: the forwarded client, an IPv6 one by its /64', async () => {
      const refusedFrom = async (forwardedFor: string) =>
        expect((await connectError(url(), { token: 'not-a-token', extraHeaders: { 'x-forwarded-for': forwardedFor } })).data.code).toBe('token_invalid');
      for (const address of ['2001:db8:aa:1::1', '2001:db8:aa:1:a:b:c:d', '2001:db8:aa:1:ffff::9']) await refusedFrom(address);
      await refusedFrom('2001:db8:bb:2::1');

      const refusals = (await trail('&action=handshake.refused')).filter((entry) => entry.details.code === 'token_invalid');
      const countFrom = (address: string) =>
        refusals.filter((entry) => entry.details.address === address).reduce((sum, entry) => sum + entry.details.count!, 0);
      expect(countFrom('2001:db8:aa:1::/64')).toBe(3);
      expect(countFrom('2001:db8:bb:2::/64')).toBe(1);
      expect(refusals.every((entry) => ['2001:db8:aa:1::/64', '2001:db8:bb:2::/64'].includes(entry.details.address!))).toBe(true);
    });
  });

  describe('admin UI sign-in', () => {
    const signIn = (auth: Record<string, string>, forwardedFor: string) =>
      new Promise<{ outcome: string; session?: string; data?: any }>((resolve) => {
        const socket = io(`${url()}/admin`, {
          auth,
          transports: ['websocket'],
          reconnection: false,
          forceNew: true,
          extraHeaders: { 'x-forwarded-for': forwardedFor },
        });
        let session: string | undefined;
        socket.on('session', (id: string) => (session = id));
        socket.once('connect', () => {
          socket.close();
          resolve({ outcome: 'connected', session });
        });
        socket.once('connect_error', (error: Error & { data?: any }) => {
          socket.close();
          resolve({ outcome: error.message, data: error.data });
        });
      });

    it('locks an address out after 5 failed passwords, the right one included, while another address signs in and reconnects by session', async () => {
      const attacker = '198.51.100.7';
      for (let i = 0; i < 5; i++) expect((await signIn({ username: 'ops', password: `guess-${i}` }, attacker)).outcome).toBe('invalid credentials');
      const locked = await signIn({ username: 'ops', password: ADMIN_UI_PASSWORD }, attacker);
      expect(locked).toMatchObject({ outcome: 'rate_limited', data: { code: 'rate_limited', reason: 'locked_out', retryAfterMs: expect.any(Number) } });

      const operator = await signIn({ username: 'ops', password: ADMIN_UI_PASSWORD }, '203.0.113.20');
      expect(operator).toEqual({ outcome: 'connected', session: expect.stringMatching(/^[0-9a-f]{16}$/) });
      expect((await signIn({ sessionId: operator.session! }, '203.0.113.20')).outcome).toBe('connected');
      expect((await signIn({ sessionId: 'not-a-session' }, '203.0.113.20')).outcome).toBe('invalid credentials');
    });
  });
});

describe('hardening, round two: a rate limit per server API key', () => {
  const LIMIT = 3;
  const KEY_A = 'keyA3-first-key-with-a-budget-of-its-own-0123456';
  const KEY_B = 'keyB4-second-key-with-a-budget-of-its-own-012345';
  const scenario = useCluster(0);
  let node: TestNode;
  beforeAll(async () => {
    node = await startNode({ REDIS_URL: scenario.redis.url, THROTTLE_HTTP_LIMIT: String(LIMIT), SERVER_API_KEYS: `${KEY_A},${KEY_B}` });
  }, EXTRA_NODE_TIMEOUT_MS);
  afterAll(() => node?.stop('SIGKILL'));
  const presenceWith = async (key: string) => (await http(node.url, 'GET', '/server/users/anyone/presence', { headers: { 'x-api-key': key } })).status;

  it('spends a budget per key, not per address: one key over it gets 429 while another key and a guessed key from the same address do not', async () => {
    for (let i = 0; i < LIMIT; i++) expect(await presenceWith(KEY_A)).toBe(200);
    expect(await presenceWith(KEY_A)).toBe(429);
    expect(await presenceWith(KEY_B)).toBe(200);
    // a key that is not configured spends its address's budget, never that of the key it resembles
    expect(await presenceWith(`${KEY_A.slice(0, 6)}${'x'.repeat(40)}`)).toBe(401);

    // the refusal is audited without holding up the 429; each read by an admin of its own, whose budget is fresh
    let reads = 0;
    const hits = await until('the rate_limit.hit entry', async () => {
      const token = makeToken({ sub: `auditor-${(reads += 1)}`, roles: ['admin'] });
      const { body } = await http(node.url, 'GET', '/admin/audit?action=rate_limit.hit&limit=100', { token });
      return body.entries.length > 0 ? body.entries : undefined;
    });
    expect(hits).toEqual([expect.objectContaining({ actor: `apikey:${KEY_A.slice(0, 6)}`, details: expect.objectContaining({ limit: 'http_requests' }) })]);
  });
});
