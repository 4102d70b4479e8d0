import type { StoredMessage } from './contract';
import { ChatClient } from './chat-client';

/** One request the client emitted, answered by the test as the server would. */
interface Emitted {
  event: string;
  payload: any;
  ok(data: unknown): void;
}

/** What the client uses of a socket.io-client socket; the test plays the server. */
class FakeSocket {
  connected = false;
  private readonly listeners = new Map<string, ((...args: any[]) => void)[]>();
  private anyListeners: ((event: string, payload: unknown) => void)[] = [];
  private readonly unanswered: Emitted[] = [];
  private readonly pending = new Set<(error: Error) => void>();
  private wakeRequest?: () => void;

  on(event: string, listener: (...args: any[]) => void): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return this;
  }
  onAny(listener: (event: string, payload: unknown) => void): this {
    this.anyListeners.push(listener);
    return this;
  }
  offAny(): this {
    this.anyListeners = [];
    return this;
  }
  removeAllListeners(): this {
    this.listeners.clear();
    return this;
  }
  close(): this {
    this.connected = false;
    return this;
  }
  timeout(): this {
    return this;
  }
  emitWithAck(event: string, payload: unknown): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.pending.add(reject);
      this.unanswered.push({
        event,
        payload,
        ok: (data) => {
          this.pending.delete(reject);
          resolve({ ok: true, data });
        },
      });
      this.wakeRequest?.();
    });
  }

  serverConnects(): void {
    this.connected = true;
    this.fire('connect');
  }
  /** A lost transport: as socket.io-client does, requests waiting for an ack fail. */
  transportCloses(): void {
    this.connected = false;
    for (const reject of this.pending) reject(new Error('socket has been disconnected'));
    this.pending.clear();
    this.fire('disconnect', 'transport close');
  }
  serverEmits(event: string, payload: unknown): void {
    for (const listener of this.anyListeners) listener(event, payload);
  }
  /** The next request the client emitted that the test has not answered yet. */
  async nextRequest(event: string): Promise<Emitted> {
    for (;;) {
      const index = this.unanswered.findIndex((request) => request.event === event);
      if (index >= 0) return this.unanswered.splice(index, 1)[0];
      await new Promise<void>((resolve) => (this.wakeRequest = resolve));
    }
  }
  private fire(event: string, ...args: unknown[]): void {
    for (const listener of this.listeners.get(event) ?? []) listener(...args);
  }
}

const mockOpened: FakeSocket[] = [];
let mockWakeOpen: (() => void) | undefined;
jest.mock('socket.io-client', () => ({
  io: () => {
    const socket = new FakeSocket();
    mockOpened.push(socket);
    mockWakeOpen?.();
    return socket;
  },
}));

/** The `index`-th socket the client opened (0: the first connection), once it has. */
async function openedSocket(index: number): Promise<FakeSocket> {
  while (mockOpened.length <= index) await new Promise<void>((resolve) => (mockWakeOpen = resolve));
  return mockOpened[index];
}

const ROOM = 'general';
const message = (id: string, room = ROOM): StoredMessage => ({ id, room, userId: 'bob', content: `m ${id}`, createdAt: 0 });
const messages = (...ids: string[]) => ids.map((id) => message(id));
const joinResult = (ids: string[], extra: object = {}) => ({ room: ROOM, messages: messages(...ids), presence: [], ...extra });

/** A connected client, joined to ROOM with `joined` as the join's messages; `handedOver` lists what its handlers got. */
async function joinedClient(joined: string[] = []) {
  mockOpened.length = 0;
  const connecting = ChatClient.connect({ urls: ['http://a', 'http://b'], token: 't', retryDelayMs: 1, maxRetryDelayMs: 1 });
  const first = await openedSocket(0);
  first.serverConnects();
  const client = await connecting;
  const handedOver: string[] = [];
  client.on('message', (m) => handedOver.push(m.id));
  const joining = client.join(ROOM);
  (await first.nextRequest('room:join')).ok(joinResult(joined));
  await joining;
  // the join releases what it held in a timer of its own, set before this one: timers of one delay run in order
  await new Promise((resolve) => setTimeout(resolve));
  return { client, first, handedOver };
}

/** Cuts the client's current connection and lets it connect again; resolves with the new socket. */
async function reconnect(current: FakeSocket): Promise<FakeSocket> {
  const index = mockOpened.indexOf(current) + 1;
  current.transportCloses();
  const next = await openedSocket(index);
  next.serverConnects();
  return next;
}

/** Resolves once the client dispatched its `rejoin` event for ROOM. */
const rejoined = (client: ChatClient) => new Promise<unknown>((resolve) => client.on('rejoin', resolve));

describe('ChatClient: each message of a joined room once, in id order, across reconnections (fake socket)', () => {
  let client: ChatClient | undefined;
  afterEach(() => client?.close());

  it('rejoins with since = the last message handed over, and hands over the catch-up before live messages held meanwhile', async () => {
    const joined = await joinedClient(['1-0']);
    client = joined.client;
    joined.first.serverEmits('message', message('2-0'));
    expect(joined.handedOver).toEqual(['2-0']);

    const rejoin = rejoined(client);
    const second = await reconnect(joined.first);
    const join = await second.nextRequest('room:join');
    expect(join.payload).toEqual({ room: ROOM, since: '2-0' });
    // the server joined the room before reading the catch-up: live messages overlap it and come first
    second.serverEmits('message', message('4-0'));
    second.serverEmits('message', message('5-0'));
    expect(joined.handedOver).toEqual(['2-0']);
    join.ok(joinResult(['3-0', '4-0'], { complete: true }));
    await rejoin;
    expect(joined.handedOver).toEqual(['2-0', '3-0', '4-0', '5-0']);

    second.serverEmits('message', message('5-0'));
    second.serverEmits('message', message('6-0'));
    expect(joined.handedOver).toEqual(['2-0', '3-0', '4-0', '5-0', '6-0']);
  });

  it('pages on with message:history { after } while the catch-up is incomplete, holding live messages until the last page', async () => {
    const joined = await joinedClient(['1-0']);
    client = joined.client;
    const rejoin = rejoined(client);
    const second = await reconnect(joined.first);
    (await second.nextRequest('room:join')).ok(joinResult(['2-0', '3-0'], { complete: false }));
    const fullPage = Array.from({ length: 100 }, (_, i) => `4-${i}`);
    const firstPage = await second.nextRequest('message:history');
    expect(firstPage.payload).toEqual({ room: ROOM, after: '3-0', limit: 100 });
    second.serverEmits('message', message('6-0'));
    firstPage.ok({ messages: messages(...fullPage) });
    const secondPage = await second.nextRequest('message:history');
    expect(secondPage.payload).toEqual({ room: ROOM, after: '4-99', limit: 100 });
    second.serverEmits('message', message('7-0'));
    expect(joined.handedOver.at(-1)).toBe('4-99');
    secondPage.ok({ messages: messages('5-0', '6-0') });
    await rejoin;
    expect(joined.handedOver).toEqual(['2-0', '3-0', ...fullPage, '5-0', '6-0', '7-0']);
  });

  it('rejoins a room joined empty with since 0-0, so that nothing sent before its first message is lost', async () => {
    const joined = await joinedClient([]);
    client = joined.client;
    const second = await reconnect(joined.first);
    expect((await second.nextRequest('room:join')).payload).toEqual({ room: ROOM, since: '0-0' });
  });

  it('keeps the cursor where the handed-over messages end when a connection is lost during the catch-up', async () => {
    const joined = await joinedClient(['1-0']);
    client = joined.client;
    const second = await reconnect(joined.first);
    (await second.nextRequest('room:join')).ok(joinResult(['2-0'], { complete: false }));
    await second.nextRequest('message:history');
    second.serverEmits('message', message('9-0'));

    const rejoin = rejoined(client);
    const third = await reconnect(second);
    const join = await third.nextRequest('room:join');
    expect(join.payload).toEqual({ room: ROOM, since: '2-0' });
    join.ok(joinResult(['3-0', '9-0'], { complete: true }));
    await rejoin;
    expect(joined.handedOver).toEqual(['2-0', '3-0', '9-0']);
  });

  it('hands messages that arrive while a first join is answered to the handlers after the join resolved, without those in its result', async () => {
    mockOpened.length = 0;
    const connecting = ChatClient.connect({ urls: 'http://a', token: 't' });
    const socket = await openedSocket(0);
    socket.serverConnects();
    client = await connecting;
    const seen: string[] = [];
    client.on('message', (m) => seen.push(`handler ${m.id}`));
    const joining = client.join(ROOM).then((result) => seen.push(`joined with ${result.messages.map((m) => m.id).join(' ')}`));
    const handedOver = new Promise<void>((resolve) => client!.on('message', () => resolve()));
    const join = await socket.nextRequest('room:join');
    socket.serverEmits('message', message('2-0'));
    socket.serverEmits('message', message('3-0'));
    join.ok(joinResult(['1-0', '2-0']));
    await Promise.all([joining, handedOver]);
    expect(seen).toEqual(['joined with 1-0 2-0', 'handler 3-0']);
  });

  it('never hands its own sends to the handlers, also when a catch-up returns them', async () => {
    const joined = await joinedClient(['1-0']);
    client = joined.client;
    const sending = client.send(ROOM, 'mine');
    (await joined.first.nextRequest('message:send')).ok(message('2-0'));
    await sending;

    const rejoin = rejoined(client);
    const second = await reconnect(joined.first);
    const join = await second.nextRequest('room:join');
    expect(join.payload).toEqual({ room: ROOM, since: '1-0' });
    join.ok(joinResult(['2-0', '3-0'], { complete: true }));
    await rejoin;
    expect(joined.handedOver).toEqual(['3-0']);
  });
});
