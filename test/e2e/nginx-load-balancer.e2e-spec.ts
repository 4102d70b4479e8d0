import { Agent, request as httpRequest } from 'node:http';
import { io, Socket } from 'socket.io-client';
import { nextEvent, requestOk } from '../support/clients';
import { startNginx, TestNginx } from '../support/nginx';
import { startCluster, stopAll, TestNode } from '../support/nodes';
import { startRedis, TestRedis } from '../support/redis-server';
import { makeToken } from '../support/tokens';

/** Polls `read` until `done` holds (for what only shows in a log, where there is no event to await). */
async function until<T>(read: () => T, done: (value: T) => boolean, timeoutMs = 3000): Promise<T> {
  const giveUpAt = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (done(value) || Date.now() > giveUpAt) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Linux answers on all of 127.0.0.0/8: distinct source addresses stand for distinct clients' addresses. */
const CANDIDATE_ADDRESSES = Array.from({ length: 40 }, (_, i) => `127.0.0.${i + 2}`);

describe('behind nginx (docker/nginx.conf) with three nodes', () => {
  let redis: TestRedis;
  let nodes: TestNode[];
  let nginx: TestNginx;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    nodes = await startCluster(3, { REDIS_URL: redis.url });
    nginx = await startNginx(nodes.map((node) => node.url));
  });
  afterAll(async () => {
    sockets.forEach((socket) => socket.close());
    await nginx?.stop();
    await stopAll(nodes ?? []);
    await redis?.stop();
  });

  /** The node nginx routes `address` to, read from the access log of one plain request. */
  async function nodeFor(address: string): Promise<TestNode> {
    await new Promise<void>((resolve, reject) =>
      httpRequest(`${nginx.url}/health/live`, { localAddress: address, agent: false }, (res) => res.resume().on('end', resolve))
        .on('error', reject)
        .end(),
    );
    // nginx writes the log line just after the response, so it may trail the answer
    const entry = await until(
      () => nginx.accessLog().find((line) => line.remoteAddress === address),
      (found) => found !== undefined,
    );
    const node = nodes.find((candidate) => new URL(candidate.url).host === entry?.upstream);
    if (!node) throw new Error(`no node served ${address}: ${JSON.stringify(entry)}`);
    return node;
  }

  function connectVia(address: string, user: string, transport: 'websocket' | 'polling'): Promise<Socket> {
    const socket = io(`${nginx.url}/chat`, {
      auth: { token: makeToken({ sub: user }) },
      transports: [transport],
      upgrade: false,
      reconnection: false,
      forceNew: true,
      // the WebSocket transport takes localAddress; long-polling requests go through the agent
      localAddress: address,
      agent: new Agent({ keepAlive: true, localAddress: address }),
    } as unknown as Parameters<typeof io>[1]); // the client's types declare `agent` as a string, Node takes an Agent
    sockets.push(socket);
    return new Promise((resolve, reject) => {
      socket.once('connect', () => resolve(socket));
      socket.once('connect_error', reject);
    });
  }

  it('upgrades WebSockets, keeps a polling client on one node and carries messages between nodes both ways', async () => {
    const routes = new Map<string, TestNode>();
    for (const address of CANDIDATE_ADDRESSES) {
      routes.set(address, await nodeFor(address));
      if (new Set(routes.values()).size === nodes.length) break;
    }
    // consistent hashing spreads addresses over every node: no node is left without clients
    expect(new Set(routes.values()).size).toBe(nodes.length);
    const [websocketAddress, websocketNode] = [...routes].find(([, node]) => node === nodes[0])!;
    const [pollingAddress, pollingNode] = [...routes].find(([, node]) => node === nodes[1])!;

    const alice = await connectVia(websocketAddress, 'alice', 'websocket');
    const bob = await connectVia(pollingAddress, 'bob', 'polling');
    expect(alice.io.engine.transport.name).toBe('websocket');
    expect(bob.io.engine.transport.name).toBe('polling');

    await requestOk(alice, 'room:join', { room: 'behind-nginx' });
    await requestOk(bob, 'room:join', { room: 'behind-nginx' });
    for (let round = 0; round < 3; round++) {
      const toBob = nextEvent(bob, 'message');
      const fromAlice = await requestOk(alice, 'message:send', { room: 'behind-nginx', content: `ws to polling ${round}` });
      expect(await toBob).toEqual(fromAlice);
      const toAlice = nextEvent(alice, 'message');
      const fromBob = await requestOk(bob, 'message:send', { room: 'behind-nginx', content: `polling to ws ${round}` });
      expect(await toAlice).toEqual(fromBob);
    }
    expect(bob.connected).toBe(true);

    const socketIoRequests = (address: string) => nginx.accessLog().filter((line) => line.remoteAddress === address && line.request.includes('/socket.io/'));
    // nginx logs a WebSocket once it ends
    alice.close();
    const upgrade = await until(
      () => socketIoRequests(websocketAddress),
      (lines) => lines.length > 0,
    );
    expect(upgrade).toEqual([expect.objectContaining({ status: 101, upstream: new URL(websocketNode.url).host })]);
    // every request of the polling session (handshake, sends, long polls) reached the node that holds it
    const polls = socketIoRequests(pollingAddress);
    expect(polls.length).toBeGreaterThanOrEqual(8);
    expect(new Set(polls.map((line) => line.upstream))).toEqual(new Set([new URL(pollingNode.url).host]));
    expect(polls.filter((line) => line.status !== 200)).toEqual([]);
  });
});
