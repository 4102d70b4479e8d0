import { EventEmitter } from 'node:events';
import type { StoredMessage } from './contract';
import { ClientClosedError } from './errors';
import { plainWebSocketUrl, WsChatClient, type WebSocketLike } from './ws-chat-client';

/** A frame the client sent that the test has not answered yet. */
interface SentRequest {
  id: number;
  event: string;
  data: any;
}

/** The standard WebSocket API as the client uses it; the test plays the node behind it. */
class FakeWebSocket implements WebSocketLike {
  static opened: FakeWebSocket[] = [];
  static wake?: () => void;
  readyState = 0;
  readonly sent: SentRequest[] = [];
  private readonly listeners = new Map<string, ((event: any) => void)[]>();
  private wakeRequest?: () => void;

  constructor(readonly url: string) {
    FakeWebSocket.opened.push(this);
    FakeWebSocket.wake?.();
  }
  addEventListener(type: string, listener: (event: any) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  send(data: string): void {
    this.sent.push(JSON.parse(data) as SentRequest);
    this.wakeRequest?.();
  }
  close(code = 1000, reason = ''): void {
    if (this.readyState === 3) return;
    this.closes(code, reason);
  }

  opens(): void {
    this.readyState = 1;
    this.fire('open', {});
  }
  closes(code: number, reason = ''): void {
    this.readyState = 3;
    this.fire('close', { code, reason });
  }
  emits(event: string, data: unknown): void {
    this.fire('message', { data: JSON.stringify({ event, data }) });
  }
  answers(request: SentRequest, data: unknown): void {
    this.fire('message', { data: JSON.stringify({ id: request.id, ok: true, data }) });
  }
  async nextRequest(event: string): Promise<SentRequest> {
    for (;;) {
      const index = this.sent.findIndex((request) => request.event === event);
      if (index >= 0) return this.sent.splice(index, 1)[0];
      await new Promise<void>((resolve) => (this.wakeRequest = resolve));
    }
  }
  private fire(type: string, event: unknown): void {
    for (const listener of this.listeners.get(type) ?? []) listener(event);
  }
}

/** The `ws` package's extra: a refused upgrade's response comes as `unexpected-response`. */
class FakeWsPackageSocket extends FakeWebSocket {
  private readonly emitter = new EventEmitter();
  on(event: string, listener: (...args: any[]) => void): void {
    this.emitter.on(event, listener);
  }
  refusesUpgrade(statusCode: number, body: object): void {
    const response = Object.assign(new EventEmitter(), { statusCode, setEncoding: () => undefined });
    this.emitter.emit('unexpected-response', {}, response);
    response.emit('data', JSON.stringify(body));
    response.emit('end');
  }
}

async function openedSocket<S extends FakeWebSocket>(index: number): Promise<S> {
  while (FakeWebSocket.opened.length <= index) await new Promise<void>((resolve) => (FakeWebSocket.wake = resolve));
  return FakeWebSocket.opened[index] as S;
}

const ROOM = 'general';
const message = (id: string): StoredMessage => ({ id, room: ROOM, userId: 'bob', content: `m ${id}`, createdAt: 0 });
const options = (WebSocket: typeof FakeWebSocket = FakeWebSocket) => ({
  urls: ['http://a', 'https://b/prefix/'],
  token: 't k',
  WebSocket,
  retryDelayMs: 1,
  maxRetryDelayMs: 1,
});

/** A connected client joined to ROOM at message 1-0; `handedOver` lists what its handlers got. */
async function joinedClient() {
  FakeWebSocket.opened = [];
  const connecting = WsChatClient.connect(options());
  const first = await openedSocket(0);
  first.opens();
  const client = await connecting;
  const handedOver: string[] = [];
  client.on('message', (m) => handedOver.push(m.id));
  const joining = client.join(ROOM);
  first.answers(await first.nextRequest('room:join'), { room: ROOM, messages: [message('1-0')], presence: [] });
  await joining;
  return { client, first, handedOver };
}

describe('WsChatClient over a fake WebSocket', () => {
  let client: WsChatClient | undefined;
  afterEach(() => client?.close());

  it('connects to <url>/ws with the token in the query, in ws: or wss: after http: or https:', () => {
    expect(plainWebSocketUrl('http://a:3000', 't k')).toBe('ws://a:3000/ws?token=t+k');
    expect(plainWebSocketUrl('https://b/prefix/', 't')).toBe('wss://b/prefix/ws?token=t');
  });

  it('after a close without a farewell (a lost transport, a node closing connections that missed too much), rejoins on the next URL with since', async () => {
    const joined = await joinedClient();
    client = joined.client;
    joined.first.emits('message', message('2-0'));
    joined.first.closes(1000);
    const second = await openedSocket(1);
    expect(second.url).toBe('wss://b/prefix/ws?token=t+k');
    second.opens();
    const join = await second.nextRequest('room:join');
    expect(join.data).toEqual({ room: ROOM, since: '2-0' });
    second.emits('message', message('4-0'));
    second.answers(join, { room: ROOM, messages: [message('3-0'), message('4-0')], presence: [], complete: true });
    await new Promise((resolve) => client!.on('rejoin', resolve));
    expect(joined.handedOver).toEqual(['2-0', '3-0', '4-0']);
  });

  it('reconnects after session { reason: "shutdown" }, and stops for good after a final session end or a ban', async () => {
    const joined = await joinedClient();
    client = joined.client;
    joined.first.emits('session', { reason: 'shutdown' });
    joined.first.closes(1000);
    const second = await openedSocket(1);
    second.opens();
    second.answers(await second.nextRequest('room:join'), { room: ROOM, messages: [], presence: [] });

    const closed = new Promise((resolve) => client!.on('closed', resolve));
    second.emits('moderation', { action: 'banned', reason: 'spam' });
    second.closes(1000);
    expect(await closed).toEqual({ reason: 'session ended', code: 'banned' });
    await expect(client.request('inbox:list', {})).rejects.toBeInstanceOf(ClientClosedError);
    expect(FakeWebSocket.opened).toHaveLength(2);
  });

  it('stops with the contract code of a refused upgrade when the WebSocket tells it (the ws package), and on close codes 4001/4003', async () => {
    FakeWebSocket.opened = [];
    const connecting = WsChatClient.connect(options(FakeWsPackageSocket));
    (await openedSocket<FakeWsPackageSocket>(0)).refusesUpgrade(401, { statusCode: 401, error: 'unauthorized', code: 'token_expired' });
    await expect(connecting).rejects.toMatchObject({ reason: 'unauthorized', code: 'token_expired' });

    FakeWebSocket.opened = [];
    const closedAtOnce = WsChatClient.connect(options());
    const socket = await openedSocket(0);
    socket.opens();
    socket.closes(4003, 'banned');
    await expect(closedAtOnce).rejects.toMatchObject({ reason: 'unauthorized', code: 'banned' });
  });

  it('tries the next URL when an upgrade fails for another reason (node busy or unreachable)', async () => {
    FakeWebSocket.opened = [];
    const connecting = WsChatClient.connect(options(FakeWsPackageSocket));
    (await openedSocket<FakeWsPackageSocket>(0)).refusesUpgrade(503, { statusCode: 503, error: 'unavailable' });
    const second = await openedSocket(1);
    second.closes(1006);
    const third = await openedSocket(2);
    expect(third.url).toBe('ws://a/ws?token=t+k');
    third.opens();
    client = await connecting;
    expect(client.isConnected).toBe(true);
  });

  it('answers each request by its id, and fails those pending when the connection is lost (retryable: same clientMsgId)', async () => {
    const joined = await joinedClient();
    client = joined.client;
    const history = client.request('message:history', { room: ROOM });
    const sending = client.send(ROOM, 'hello');
    const send = await joined.first.nextRequest('message:send');
    const read = await joined.first.nextRequest('message:history');
    joined.first.answers(read, { messages: [message('1-0')] });
    expect(await history).toEqual({ messages: [message('1-0')] });

    joined.first.closes(1006);
    const second = await openedSocket(1);
    second.opens();
    second.answers(await second.nextRequest('room:join'), { room: ROOM, messages: [], presence: [], complete: true });
    const retry = await second.nextRequest('message:send');
    expect(retry.data.clientMsgId).toBe(send.data.clientMsgId);
    second.answers(retry, message('2-0'));
    expect(await sending).toEqual(message('2-0'));
  });
});
