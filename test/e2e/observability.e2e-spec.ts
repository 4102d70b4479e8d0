import { io } from 'socket.io-client';
import { connect, nextEvent, request, requestOk } from '../support/clients';
import { startNode, TestNode } from '../support/nodes';
import { closeAllPlainClients, connectPlain } from '../support/plain-websocket';
import { startRedis, TestRedis } from '../support/redis-server';
import { uniqueRoom, useCluster } from '../support/scenario';
import { makeToken } from '../support/tokens';

/** The value of one series in a Prometheus text exposition; 0 when absent. */
function sample(metrics: string, series: string): number {
  const line = metrics.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

const scrape = async (node: TestNode) => (await fetch(`${node.url}/metrics`)).text();

async function untilSample(node: TestNode, series: string, expected: number, timeoutMs = 5000): Promise<void> {
  const giveUpAt = Date.now() + timeoutMs;
  let last = NaN;
  while (Date.now() < giveUpAt) {
    last = sample(await scrape(node), series);
    if (last === expected) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${series} was ${last} after ${timeoutMs} ms, expected ${expected}`);
}

describe('observability', () => {
  const cluster = useCluster(2, { LOG_LEVEL: 'debug' });
  const nodeA = () => cluster.nodes[0];
  const nodeB = () => cluster.nodes[1];
  afterEach(() => closeAllPlainClients());

  describe('logs', () => {
    it('writes JSON lines only, each with the node id; event lines name the connection and user, HTTP lines the request id; no token, no message content', async () => {
      const token = makeToken({ sub: 'logged-user', name: 'Logged' });
      const plainToken = makeToken({ sub: 'logged-plain-user' });
      const adminToken = makeToken({ sub: 'logged-admin', roles: ['admin'] });
      const content = `private words ${process.pid} ${Date.now()}`;
      const room = uniqueRoom('logs');
      const logsBefore = nodeA().logs().length;

      const socket = await connect(nodeA().url, { token });
      await requestOk(socket, 'room:join', { room });
      await requestOk(socket, 'message:send', { room, content });
      expect(await request(socket, 'message:send', { room: uniqueRoom('not-joined'), content })).toMatchObject({ ok: false, error: { code: 'not_joined' } });
      expect(await request(socket, 'message:send', { room, content: 42 })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });

      const history = await fetch(`${nodeA().url}/admin/rooms/${room}/messages`, {
        headers: { Authorization: `Bearer ${adminToken}`, 'X-Request-Id': 'obs-history-1' },
      });
      expect(history.status).toBe(200);
      expect(history.headers.get('x-request-id')).toBe('obs-history-1');
      expect(JSON.stringify(await history.json())).toContain(content);
      const insane = await fetch(`${nodeA().url}/health/live`, { headers: { 'X-Request-Id': 'has spaces and {braces}' } });
      const generatedId = insane.headers.get('x-request-id');
      expect(generatedId).toMatch(/^[0-9a-f-]{36}$/);
      const scraped = await fetch(`${nodeA().url}/metrics?token=${token}`);
      expect(scraped.status).toBe(200);
      const scrapeId = scraped.headers.get('x-request-id');

      const plain = await connectPlain(nodeA().url, { token: plainToken });
      await plain.requestOk('room:join', { room });
      plain.close();
      await nodeA().untilLogged(/"userId":"logged-plain-user".*connection closed/);

      const socketId = socket.id;
      socket.close();
      await nodeA().untilLogged(new RegExp(`"connectionId":"${socketId}".*connection closed`));

      const output = nodeA().logs().slice(logsBefore);
      const entries = nodeA().logEntries();
      const recent = entries.slice(entries.length - output.split('\n').filter((line) => line.trim()).length);
      expect(entries.filter((entry) => entry.level === 'unparsed')).toEqual([]);
      expect(new Set(entries.map((entry) => entry.nodeId))).toEqual(new Set([expect.stringMatching(/.+-\d+$/)]));

      const ofConnection = recent.filter((entry) => entry.connectionId === socketId);
      const messages = ofConnection.map((entry) => entry.msg);
      expect(messages).toEqual(
        expect.arrayContaining([
          'connection opened over websocket',
          'room:join: ok',
          'message:send: ok',
          'message:send: not_joined',
          'message:send: validation_failed',
          expect.stringMatching(/^connection closed: /),
        ]),
      );
      for (const entry of ofConnection) expect(entry.userId).toBe('logged-user');
      const ofPlainUser = recent.filter((entry) => entry.userId === 'logged-plain-user');
      expect(ofPlainUser.map((entry) => entry.msg)).toEqual(expect.arrayContaining(['connection opened over plain-websocket', 'room:join: ok']));
      expect(new Set(ofPlainUser.map((entry) => entry.connectionId))).toEqual(new Set([expect.any(String)]));
      // every event line names its connection
      expect(recent.filter((entry) => entry.context === 'Events' && ![socketId, ofPlainUser[0].connectionId].includes(entry.connectionId as string))).toEqual(
        [],
      );

      const httpLines = recent.filter((entry) => entry.req !== undefined);
      expect(httpLines.length).toBeGreaterThanOrEqual(3);
      for (const entry of httpLines) expect(entry.requestId).toEqual(expect.any(String));
      expect(httpLines.find((entry) => entry.requestId === 'obs-history-1')).toMatchObject({
        req: { method: 'GET', url: `/admin/rooms/${room}/messages` },
        res: { statusCode: 200 },
      });
      expect(httpLines.find((entry) => entry.requestId === generatedId)).toBeDefined();
      expect(httpLines.find((entry) => entry.requestId === scrapeId)).toMatchObject({ req: { url: '/metrics?token=[redacted]' } });

      const everything = nodeA().logs() + nodeB().logs();
      for (const secret of [token, adminToken, plainToken, content, token.split('.')[2], plainToken.split('.')[2]]) expect(everything).not.toContain(secret);
    });

    it('describes X-Request-Id in the OpenAPI document', async () => {
      const document = (await (await fetch(`${nodeA().url}/docs-json`)).json()) as { paths: Record<string, object> };
      const [anyOperation] = Object.values(document.paths['/auth/logout']) as { parameters: { name: string; in: string }[] }[];
      expect(anyOperation.parameters).toContainEqual(expect.objectContaining({ name: 'X-Request-Id', in: 'header', required: false }));
    });
  });

  describe('metrics', () => {
    it('counts stores on the sending node, and deliveries and their latency on the receiving node: 4 messages, 3 listeners elsewhere (one on /ws)', async () => {
      const room = uniqueRoom('metrics');
      const sender = await connect(nodeA().url, { token: makeToken({ sub: 'metrics-sender' }) });
      const listeners = await Promise.all(['metrics-l1', 'metrics-l2'].map((sub) => connect(nodeB().url, { token: makeToken({ sub }) })));
      const plainListener = await connectPlain(nodeB().url, { token: makeToken({ sub: 'metrics-l3' }) });
      for (const socket of [sender, ...listeners]) await requestOk(socket, 'room:join', { room });
      await plainListener.requestOk('room:join', { room });
      const [beforeA, beforeB] = await Promise.all([scrape(nodeA()), scrape(nodeB())]);

      const heardAll = [
        ...listeners.flatMap((socket) =>
          ['third', 'again'].map((last) => nextEvent(socket, 'message', (message: { content: string }) => message.content === last)),
        ),
        plainListener.next('message', (message: { content: string }) => message.content === 'again'),
      ];
      const sendingFrom = Date.now();
      for (const content of ['first', 'second', 'third']) await requestOk(sender, 'message:send', { room, content });
      // a retry with the same clientMsgId is not stored again, nor delivered
      await requestOk(sender, 'message:send', { room, content: 'again', clientMsgId: 'metrics-once' });
      await requestOk(sender, 'message:send', { room, content: 'again', clientMsgId: 'metrics-once' });
      await Promise.all(heardAll);
      const heardBy = Date.now();
      const [afterA, afterB] = await Promise.all([scrape(nodeA()), scrape(nodeB())]);

      const delta = (before: string, after: string, series: string) => sample(after, series) - sample(before, series);
      expect(delta(beforeA, afterA, 'chat_messages_stored_total{kind="room"}')).toBe(4);
      expect(delta(beforeB, afterB, 'chat_messages_stored_total{kind="room"}')).toBe(0);
      expect(delta(beforeA, afterA, 'chat_messages_delivered_total')).toBe(0);
      expect(delta(beforeB, afterB, 'chat_messages_delivered_total')).toBe(12);
      expect(delta(beforeA, afterA, 'chat_message_delivery_seconds_count')).toBe(0);
      expect(delta(beforeB, afterB, 'chat_message_delivery_seconds_count')).toBe(4);
      // each latency is measured from storing to emitting, in seconds: both happened between the first send and
      // the last arrival, so none is negative and none exceeds that span, however loaded the machine
      const latencySum = delta(beforeB, afterB, 'chat_message_delivery_seconds_sum');
      expect(latencySum).toBeGreaterThanOrEqual(0);
      expect(latencySum).toBeLessThanOrEqual((4 * (heardBy - sendingFrom)) / 1000 + 1e-9);

      const dmBefore = await scrape(nodeA());
      const dmHeard = nextEvent(listeners[0], 'message', (message: { content: string }) => message.content === 'direct');
      await requestOk(sender, 'dm:send', { to: 'metrics-l1', content: 'direct' });
      await dmHeard;
      expect(delta(dmBefore, await scrape(nodeA()), 'chat_messages_stored_total{kind="dm"}')).toBe(1);
    });

    it('exports the queue depths, Redis errors by connection role, and connections by transport', async () => {
      const metrics = await scrape(nodeA());
      for (const series of [
        'chat_queue_depth{queue="webhooks"}',
        'chat_queue_depth{queue="push"}',
        'chat_queue_dead_letters{queue="webhooks"}',
        'chat_redis_errors_total{role="commands"}',
        'chat_redis_errors_total{role="subscriber"}',
      ]) {
        expect([series, new RegExp(`^${series.replace(/[{}]/g, '\\$&')} 0$`, 'm').test(metrics)]).toEqual([series, true]);
      }
      const websocketBefore = sample(metrics, 'chat_connections{transport="websocket"}');
      const pollingBefore = sample(metrics, 'chat_connections{transport="polling"}');
      const plainBefore = sample(metrics, 'chat_connections{transport="plain-websocket"}');
      const overWebSocket = await connect(nodeA().url, { token: makeToken({ sub: 'over-websocket' }) });
      const overPolling = await connect(nodeA().url, { token: makeToken({ sub: 'over-polling' }), transports: ['polling'] });
      const overPlainWebSocket = await connectPlain(nodeA().url, { token: makeToken({ sub: 'over-plain-websocket' }) });
      const during = await scrape(nodeA());
      expect(sample(during, 'chat_connections{transport="websocket"}')).toBe(websocketBefore + 1);
      expect(sample(during, 'chat_connections{transport="polling"}')).toBe(pollingBefore + 1);
      expect(sample(during, 'chat_connections{transport="plain-websocket"}')).toBe(plainBefore + 1);
      overWebSocket.close();
      overPolling.close();
      overPlainWebSocket.close();
      await untilSample(nodeA(), 'chat_connections{transport="websocket"}', websocketBefore);
      await untilSample(nodeA(), 'chat_connections{transport="polling"}', pollingBefore);
      await untilSample(nodeA(), 'chat_connections{transport="plain-websocket"}', plainBefore);
    });

    it('moves a connection that upgrades from polling to WebSocket between the transports', async () => {
      const metrics = await scrape(nodeA());
      const websocketBefore = sample(metrics, 'chat_connections{transport="websocket"}');
      const upgrading = await connect(nodeA().url, { token: makeToken({ sub: 'upgrading' }), transports: ['polling', 'websocket'] });
      await new Promise<void>((resolve) =>
        upgrading.io.engine.transport.name === 'websocket' ? resolve() : upgrading.io.engine.once('upgrade', () => resolve()),
      );
      await untilSample(nodeA(), 'chat_connections{transport="websocket"}', websocketBefore + 1);
      expect(sample(await scrape(nodeA()), 'chat_connections{transport="polling"}')).toBe(sample(metrics, 'chat_connections{transport="polling"}'));
      upgrading.close();
      await untilSample(nodeA(), 'chat_connections{transport="websocket"}', websocketBefore);
    });
  });

  describe('admin UI', () => {
    const connectAdmin = (url: string, auth: Record<string, string>) =>
      new Promise<string>((resolve) => {
        const socket = io(`${url}/admin`, { auth, transports: ['websocket'], reconnection: false, forceNew: true });
        socket.once('connect', () => {
          socket.close();
          resolve('connected');
        });
        socket.once('connect_error', (error) => {
          socket.close();
          resolve(error.message);
        });
      });

    it('is off by default: the /admin namespace does not exist', async () => {
      expect(await connectAdmin(nodeA().url, { username: 'ops', password: 'anything' })).toBe('Invalid namespace');
    });

    describe('with ADMIN_UI=true and credentials', () => {
      const PASSWORD = 'admin-ui-test-password';
      let redis: TestRedis;
      let node: TestNode;
      beforeAll(async () => {
        redis = await startRedis();
        node = await startNode({
          REDIS_URL: redis.url,
          ADMIN_UI: 'true',
          ADMIN_UI_USERNAME: 'ops',
          // bcrypt of PASSWORD, cost 10
          ADMIN_UI_PASSWORD_HASH: '$2a$10$j8fwamdnY4O17gm7oyDV3uMVY5pWrNlpqskSO7Uxh25BcuV5VZMbq',
        });
      });
      afterAll(async () => {
        await node?.stop('SIGKILL');
        await redis?.stop();
      });

      it('accepts the right credentials on /admin and refuses wrong ones, and /chat still asks for a token', async () => {
        expect(await connectAdmin(node.url, { username: 'ops', password: PASSWORD })).toBe('connected');
        expect(await connectAdmin(node.url, { username: 'ops', password: 'wrong' })).toBe('invalid credentials');
        expect(await connectAdmin(node.url, { username: 'someone', password: PASSWORD })).toBe('invalid credentials');
        expect(await connectAdmin(node.url, {})).toBe('invalid credentials');
        expect(await connectAdmin(node.url, { username: 'ops' })).toBe('invalid credentials');
        expect(node.logs()).not.toContain(PASSWORD);
        expect(node.logs()).not.toMatch(/unhandled/);
        await expect(connect(node.url, {})).rejects.toMatchObject({ message: 'unauthorized' });
      });
    });
  });
});
