import { execFileSync } from 'node:child_process';
import WebSocket from 'ws';
import {
  AdminApi,
  AdminApiError,
  ChatClient,
  ClientClosedError,
  ContractError,
  WsChatClient,
  type ChatClientBase,
  type ChatClientOptions,
  type StoredMessage,
  type WsChatClientOptions,
} from '../../client/src';
import { wholeHistory, connect } from '../support/clients';
import { Condition } from '../support/condition';
import { cutRepeatedly, startJitterProxy } from '../support/jitter-proxy';
import { uniqueRoom, useCluster } from '../support/scenario';
import { makeToken } from '../support/tokens';

const ROOM_PREFIX = 'typed-ws';
/** The jitter scenario: /ws receivers behind proxies that cut a random connection every ~100 ms while messages are sent. */
const JITTER = { receivers: 10, messages: 200, ticks: 40, sendTicks: 30, meanIntervalMs: 100, maxMs: 15_000, settleMs: 15_000 };

const clients: ChatClientBase[] = [];
/** A `/ws` client over the `ws` package (Node 20 has no global WebSocket). */
async function connectWs(options: WsChatClientOptions): Promise<WsChatClient> {
  const client = await WsChatClient.connect({ WebSocket, retryDelayMs: 50, maxRetryDelayMs: 200, ...options });
  clients.push(client);
  return client;
}
async function connectSocketIo(options: ChatClientOptions): Promise<ChatClient> {
  const client = await ChatClient.connect({ retryDelayMs: 50, maxRetryDelayMs: 200, ...options });
  clients.push(client);
  return client;
}

/** Resolves with the first `count` messages the client's `message` handlers receive in `room`. */
function messagesIn(client: ChatClientBase, room: string, count: number): Promise<StoredMessage[]> {
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

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );

describe('typed /ws client (WsChatClient) against real nodes, beside Socket.IO clients', () => {
  const cluster = useCluster(2, { THROTTLE_WS_LIMIT: '0' });
  afterEach(() => clients.splice(0).forEach((client) => client.close()));

  it('resolves acks with their data, rejects refusals with typed ContractErrors, and talks with a Socket.IO user on the other node', async () => {
    const room = uniqueRoom(ROOM_PREFIX);
    const alice = await connectWs({ urls: cluster.nodes[0].url, token: makeToken({ sub: 'alice', name: 'Alice', rooms: [`${ROOM_PREFIX}-*`] }) });
    const bob = await connectSocketIo({ urls: cluster.nodes[1].url, token: makeToken({ sub: 'bob', name: 'Bob' }) });

    const notJoined = await refusal(alice.send(room, 'before joining'));
    expect(notJoined).toBeInstanceOf(ContractError);
    expect(notJoined).toMatchObject({ code: 'not_joined', details: { room } });
    const invalid = await refusal(alice.request('message:history', { room, limit: 1000 }));
    expect(invalid).toBeInstanceOf(ContractError);
    expect((invalid as ContractError).code).toBe('validation_failed');
    const forbidden = await refusal(alice.join('outside-her-grants'));
    expect(forbidden).toBeInstanceOf(ContractError);
    expect((forbidden as ContractError).code).toBe('forbidden');
    expect(alice.rooms).toEqual([]);

    expect(await alice.join(room)).toMatchObject({ room, messages: [] });
    await bob.join(room);
    const typing = new Promise((resolve) => alice.on('typing', resolve));
    await bob.request('typing', { room, isTyping: true });
    expect(await typing).toEqual({ room, userId: 'bob', isTyping: true });

    const heardByBob = messagesIn(bob, room, 1);
    const fromAlice = await alice.send(room, 'hello from /ws');
    expect(fromAlice).toMatchObject({ room, userId: 'alice', name: 'Alice', content: 'hello from /ws', clientMsgId: expect.any(String) });
    expect(await heardByBob).toEqual([fromAlice]);
    const heardByAlice = messagesIn(alice, room, 1);
    const fromBob = await bob.send(room, 'hello from Socket.IO');
    expect(await heardByAlice).toEqual([fromBob]);
    expect((await alice.request('message:history', { room })).messages).toEqual([fromAlice, fromBob]);
  });

  it('refuses a bad token at connect with ClientClosedError carrying the handshake code of the refused upgrade', async () => {
    const refused = await refusal(WsChatClient.connect({ WebSocket, urls: cluster.nodes[0].url, token: 'not-a-jwt' }));
    expect(refused).toBeInstanceOf(ClientClosedError);
    expect(refused).toMatchObject({ reason: 'unauthorized', code: 'token_invalid' });
  });

  it('after its connection is cut, reconnects, rejoins with since and hands over what it missed once, in order, before live messages', async () => {
    const node = cluster.nodes[1];
    const room = uniqueRoom(ROOM_PREFIX);
    const proxy = await startJitterProxy([node.url]);
    try {
      // the second handshake waits for this gate, so that the messages below are surely sent while alice is away
      let openGate!: () => void;
      const gate = new Promise<void>((resolve) => (openGate = resolve));
      let handshakes = 0;
      const aliceToken = makeToken({ sub: 'alice' });
      const alice = await connectWs({
        urls: proxy.urls,
        token: async () => {
          handshakes += 1;
          if (handshakes > 1) await gate;
          return aliceToken;
        },
      });
      const bob = await connectSocketIo({ urls: cluster.nodes[0].url, token: makeToken({ sub: 'bob' }) });
      await alice.join(room);
      await bob.join(room);
      const before = messagesIn(alice, room, 1);
      const seenBefore = await bob.send(room, 'before the cut');
      expect(await before).toEqual([seenBefore]);

      const received: StoredMessage[] = [];
      alice.on('message', (message) => received.push(message));
      const reconnected = new Promise((resolve) => alice.on('connect', resolve));
      const rejoined = new Promise((resolve) => alice.on('rejoin', resolve));
      expect(proxy.cutRandom()).toBe(true);
      // more than the latest page (50) that a join without `since` returns
      const missed: StoredMessage[] = [];
      for (let i = 0; i < 60; i += 1) missed.push(await bob.send(room, `while away ${i}`));
      openGate();

      expect(await reconnected).toEqual({ url: proxy.urls[0], isReconnect: true });
      expect(await rejoined).toMatchObject({ room, result: { room } });
      expect(received).toEqual(missed);

      const live = messagesIn(alice, room, 1);
      const next = await bob.send(room, 'live again');
      expect(await live).toEqual([next]);
      const heard = messagesIn(bob, room, 1);
      const reply = await alice.send(room, 'back');
      expect(await heard).toEqual([reply]);
      expect(received).toEqual([...missed, next]);
    } finally {
      await proxy.close();
    }
  });

  it('under jitter, every /ws client moving between both nodes ends with the messages of a Socket.IO sender once each, in id order', async () => {
    const room = uniqueRoom(ROOM_PREFIX);
    const proxy = await startJitterProxy(cluster.nodes.map((node) => node.url));
    try {
      const received: string[][] = [];
      let reconnects = 0;
      let ticks = 0;
      const progress = new Condition(
        () => `${ticks} ticks, ${reconnects} reconnections; handed over per client: ${received.map((ids) => ids.length).join(' ')}`,
      );
      await Promise.all(
        Array.from({ length: JITTER.receivers }, async (_, index) => {
          const urls = index % 2 === 0 ? proxy.urls : [...proxy.urls].reverse();
          const client = await connectWs({ urls, token: makeToken({ sub: `ws-receiver-${index}` }) });
          const ids: string[] = (received[index] = []);
          client.on('message', (message) => {
            if (message.room !== room) return;
            ids.push(message.id);
            progress.changed();
          });
          client.on('connect', ({ isReconnect }) => (reconnects += isReconnect ? 1 : 0));
          await client.join(room);
        }),
      );
      const sender = await connectSocketIo({ urls: cluster.nodes[0].url, token: makeToken({ sub: 'jitter-sender' }), ackTimeoutMs: 2000, sendAttempts: 8 });
      await sender.join(room);

      let isCuttingDone = false;
      const cutting = cutRepeatedly(proxy, {
        meanIntervalMs: JITTER.meanIntervalMs,
        ticks: JITTER.ticks,
        maxMs: JITTER.maxMs,
        onTick: (report) => {
          ticks = report.ticks;
          progress.changed();
        },
      }).then((report) => ((isCuttingDone = true), progress.changed(), report));
      // paced on the cutting's ticks, so that messages are stored while connections are being cut
      const sent: string[] = [];
      for (let k = 0; k < JITTER.messages; k += 1) {
        const tick = Math.floor((k * JITTER.sendTicks) / JITTER.messages);
        await progress.until(() => ticks >= tick || isCuttingDone, JITTER.maxMs + 5_000);
        sent.push((await sender.send(room, `jitter ${k}`)).id);
      }
      const { cuts } = await cutting;
      await progress.until(() => received.every((ids) => ids.length >= JITTER.messages), JITTER.settleMs);

      // one sender awaiting each ack: the send order is the room's id order
      expect(received).toEqual(received.map(() => sent));
      expect(cuts).toBeGreaterThanOrEqual(JITTER.ticks / 2);
      expect(reconnects).toBeGreaterThanOrEqual(JITTER.ticks / 2);
    } finally {
      await proxy.close();
    }
  }, 60_000);

  it('retries a send that timed out with the same clientMsgId, and the message is stored once', async () => {
    const node = cluster.nodes[1];
    const room = uniqueRoom(ROOM_PREFIX);
    const alice = await connectWs({ urls: node.url, token: makeToken({ sub: 'alice' }), ackTimeoutMs: 400, sendAttempts: 8 });
    await alice.join(room);
    const sent = jest.spyOn(WebSocket.prototype, 'send');
    try {
      // Redis holds every write for 1.5 s: the first attempts time out at the client, then all of them reach Redis
      execFileSync('redis-cli', ['-p', String(cluster.redis.port), 'CLIENT', 'PAUSE', '1500', 'WRITE']);
      const message = await alice.send(room, 'exactly once');
      const attempts = sent.mock.calls
        .map(([frame]) => JSON.parse(String(frame)) as { event: string; data: { clientMsgId: string } })
        .filter(({ event }) => event === 'message:send')
        .map(({ data }) => data.clientMsgId);
      expect(attempts.length).toBeGreaterThan(1);
      expect(new Set(attempts)).toEqual(new Set([message.clientMsgId]));
      const reader = await connect(node.url, { token: makeToken({ sub: 'reader' }) });
      expect(await wholeHistory<StoredMessage>(reader, room)).toEqual([message]);
    } finally {
      sent.mockRestore();
    }
  });

  it('hears a kick and a ban made through the typed AdminApi: the room is dropped, then the client closes for good with code banned', async () => {
    const room = uniqueRoom(ROOM_PREFIX);
    const admin = new AdminApi({ baseUrl: cluster.nodes[1].url, token: makeToken({ sub: 'root', roles: ['admin'] }) });
    const mallory = await connectWs({ urls: cluster.nodes[0].url, token: makeToken({ sub: 'mallory' }) });
    await mallory.join(room);

    const notAdmin = await refusal(new AdminApi({ baseUrl: cluster.nodes[1].url, token: makeToken({ sub: 'mallory' }) }).rooms());
    expect(notAdmin).toBeInstanceOf(AdminApiError);
    expect(notAdmin).toMatchObject({ status: 403 });
    const unknownUser = await refusal(admin.kick(room, 'nobody-ever-connected'));
    expect(unknownUser).toMatchObject({ status: 404 });

    const kicked = new Promise((resolve) => mallory.on('moderation', resolve));
    await admin.kick(room, 'mallory', 'off topic');
    expect(await kicked).toMatchObject({ action: 'kicked', room, reason: 'off topic' });
    expect(mallory.rooms).toEqual([]);

    const closed = new Promise((resolve) => mallory.on('closed', resolve));
    await admin.ban('mallory', { reason: 'spam' });
    try {
      expect(await closed).toEqual({ reason: 'session ended', code: 'banned' });
      expect(mallory.isConnected).toBe(false);
      const refused = await refusal(WsChatClient.connect({ WebSocket, urls: cluster.nodes[0].url, token: makeToken({ sub: 'mallory' }) }));
      expect(refused).toMatchObject({ reason: 'unauthorized', code: 'banned' });
      const { entries } = await admin.audit({ actor: 'root', limit: 5 });
      expect(entries.map(({ action, target }) => [action, target.userId])).toEqual(expect.arrayContaining([[expect.stringContaining('ban'), 'mallory']]));
    } finally {
      await admin.unban('mallory');
    }
  });

  it('uses the global WebSocket where the runtime has one (browsers, Node 22+), and asks for one where it has not (Node 20)', async () => {
    const options = { urls: cluster.nodes[0].url, token: makeToken({ sub: 'alice' }) };
    if (typeof (globalThis as { WebSocket?: unknown }).WebSocket === 'function') {
      const client = await WsChatClient.connect(options);
      clients.push(client);
      expect(client.isConnected).toBe(true);
    } else {
      await expect(WsChatClient.connect(options)).rejects.toThrow('pass one as the WebSocket option');
    }
  });
});
