import { execFileSync } from 'node:child_process';
import { Socket } from 'socket.io-client';
import { ChatClient, ClientClosedError, ContractError, type ChatClientOptions, type StoredMessage } from '../../client/src';
import { wholeHistory, connect } from '../support/clients';
import { startJitterProxy } from '../support/jitter-proxy';
import { uniqueRoom, useCluster } from '../support/scenario';
import { makeToken } from '../support/tokens';

const clients: ChatClient[] = [];
async function connectClient(options: ChatClientOptions): Promise<ChatClient> {
  const client = await ChatClient.connect({ retryDelayMs: 50, maxRetryDelayMs: 200, ...options });
  clients.push(client);
  return client;
}

/** Resolves with the first `count` messages the client's `message` handlers receive in `room`. */
function messagesIn(client: ChatClient, room: string, count: number): Promise<StoredMessage[]> {
  const received: StoredMessage[] = [];
  return new Promise((resolve) => {
    const stop = client.on('message', (message) => {
      if (message.room !== room) return;
      received.push(message);
      if (received.length === count) {
        stop();
        resolve(received);
      }
    });
  });
}

describe('typed client (@chat/client) against real nodes', () => {
  const cluster = useCluster(2, { THROTTLE_WS_LIMIT: '0' });
  afterEach(() => clients.splice(0).forEach((client) => client.close()));

  it('resolves acks with their data and rejects refusals with a typed ContractError', async () => {
    const room = uniqueRoom('typed');
    const alice = await connectClient({ urls: cluster.nodes[0].url, token: makeToken({ sub: 'alice', name: 'Alice' }) });

    const refused = await alice.send(room, 'before joining').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ContractError);
    expect(refused).toMatchObject({ code: 'not_joined', details: { room } });

    const invalid = await alice.request('message:history', { room, limit: 1000 }).catch((error: unknown) => error);
    expect(invalid).toBeInstanceOf(ContractError);
    expect((invalid as ContractError).code).toBe('validation_failed');

    const joined = await alice.join(room);
    expect(joined).toMatchObject({ room, messages: [] });
    const sent = await alice.send(room, 'hello');
    expect(sent).toMatchObject({ room, userId: 'alice', name: 'Alice', content: 'hello' });
    expect(sent.clientMsgId).toEqual(expect.any(String));
    const { messages } = await alice.request('message:history', { room });
    expect(messages).toEqual([sent]);
  });

  it('refuses a bad token at connect with ClientClosedError carrying the handshake code', async () => {
    const refused = await ChatClient.connect({ urls: cluster.nodes[0].url, token: 'not-a-jwt' }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ClientClosedError);
    expect((refused as ClientClosedError).code).toBe('token_invalid');
  });

  it('refreshes its token with auth:refresh and keeps the connection', async () => {
    const alice = await connectClient({ urls: cluster.nodes[0].url, token: makeToken({ sub: 'alice' }) });
    const exp = Math.floor(Date.now() / 1000) + 7200;
    expect(await alice.refreshToken(makeToken({ sub: 'alice', exp }))).toEqual({ exp });
    const wrongUser = await alice.refreshToken(makeToken({ sub: 'mallory' })).catch((error: unknown) => error);
    expect(wrongUser).toBeInstanceOf(ContractError);
    expect(alice.isConnected).toBe(true);
  });

  it('after its node is SIGKILLed, reconnects to the next URL, rejoins with since and delivers what it missed once, in order', async () => {
    const [doomed, survivor] = cluster.nodes;
    const room = uniqueRoom('rejoin');
    // the second handshake waits for this gate, so that the messages below are surely sent while alice is away
    let openGate!: () => void;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    let handshakes = 0;
    const aliceToken = makeToken({ sub: 'alice' });
    const alice = await connectClient({
      urls: [doomed.url, survivor.url],
      token: async () => {
        handshakes += 1;
        if (handshakes > 1) await gate;
        return aliceToken;
      },
    });
    const bob = await connectClient({ urls: survivor.url, token: makeToken({ sub: 'bob' }) });
    await alice.join(room);
    await bob.join(room);
    const seenBeforeCrash = messagesIn(alice, room, 2);
    const beforeCrash = [await bob.send(room, 'before 1'), await bob.send(room, 'before 2')];
    expect(await seenBeforeCrash).toEqual(beforeCrash);

    const rejoined = new Promise((resolve) => alice.on('rejoin', resolve));
    const reconnected = new Promise((resolve) => alice.on('connect', resolve));
    const caughtUp = messagesIn(alice, room, 3);
    await doomed.stop('SIGKILL');
    const missed = [await bob.send(room, 'away 1'), await bob.send(room, 'away 2'), await bob.send(room, 'away 3')];
    openGate();

    expect(await reconnected).toEqual({ url: survivor.url, isReconnect: true });
    expect(await rejoined).toMatchObject({ room, result: { room, messages: missed } });
    expect(await caughtUp).toEqual(missed);

    // live again, both ways, through the survivor; nothing arrives twice
    const live = messagesIn(alice, room, 1);
    const next = await bob.send(room, 'live again');
    expect(await live).toEqual([next]);
    const heard = messagesIn(bob, room, 1);
    const reply = await alice.send(room, 'back');
    expect(await heard).toEqual([reply]);
    expect(alice.rooms).toEqual([room]);
  });

  it('rejoins a room it joined while empty from its start: more than a page sent before its first message is handed over, in order', async () => {
    // the node the SIGKILL test above leaves alive
    const node = cluster.nodes[1];
    const room = uniqueRoom('empty-join');
    const proxy = await startJitterProxy([node.url]);
    try {
      let openGate!: () => void;
      const gate = new Promise<void>((resolve) => (openGate = resolve));
      let handshakes = 0;
      const aliceToken = makeToken({ sub: 'alice' });
      const alice = await connectClient({
        urls: proxy.urls,
        token: async () => {
          handshakes += 1;
          if (handshakes > 1) await gate;
          return aliceToken;
        },
      });
      const bob = await connectClient({ urls: node.url, token: makeToken({ sub: 'bob' }) });
      expect((await alice.join(room)).messages).toEqual([]);
      await bob.join(room);
      const received: StoredMessage[] = [];
      alice.on('message', (message) => received.push(message));
      const rejoined = new Promise((resolve) => alice.on('rejoin', resolve));

      expect(proxy.cutRandom()).toBe(true);
      // more than the latest page (50) that a join without `since` returns
      const missed: StoredMessage[] = [];
      for (let i = 0; i < 60; i += 1) missed.push(await bob.send(room, `while away ${i}`));
      openGate();

      await rejoined;
      expect(received).toEqual(missed);
    } finally {
      await proxy.close();
    }
  });

  it('retries a send that timed out with the same clientMsgId, and the message is stored once', async () => {
    const node = cluster.nodes[1];
    const room = uniqueRoom('retry');
    const alice = await connectClient({ urls: node.url, token: makeToken({ sub: 'alice' }), ackTimeoutMs: 400, sendAttempts: 8 });
    await alice.join(room);
    const emitted = jest.spyOn(Socket.prototype, 'emit');
    try {
      // Redis holds every write for 1.5 s: the first attempts time out at the client, then all of them reach Redis
      execFileSync('redis-cli', ['-p', String(cluster.redis.port), 'CLIENT', 'PAUSE', '1500', 'WRITE']);
      const message = await alice.send(room, 'exactly once');
      const attempts = emitted.mock.calls.filter(([event]) => event === 'message:send').map(([, payload]) => (payload as { clientMsgId: string }).clientMsgId);
      expect(attempts.length).toBeGreaterThan(1);
      expect(new Set(attempts)).toEqual(new Set([message.clientMsgId]));
      const reader = await connect(node.url, { token: makeToken({ sub: 'reader' }) });
      const stored = await wholeHistory<StoredMessage>(reader, room);
      expect(stored).toEqual([message]);
    } finally {
      emitted.mockRestore();
    }
  });
});
