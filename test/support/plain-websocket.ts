import { EventEmitter } from 'node:events';
import WebSocket from 'ws';
import type { Ack } from './clients';
import { readBody } from './http-receiver';

const ANSWER_TIMEOUT_MS = 5000;
const EVENT_TIMEOUT_MS = 5000;

export interface PlainConnectOptions {
  token?: string;
  /** Sends the token as `Authorization: Bearer` instead of `?token=`. */
  tokenInHeader?: boolean;
  headers?: Record<string, string>;
  /** false: the client never answers the server's pings (a client that vanished without closing). */
  autoPong?: boolean;
}

export interface CloseEvent {
  code: number;
  reason: string;
}

/** A client of `GET /ws` speaking the `{ id, event, data }` protocol over Node's `ws` package. */
export class PlainClient {
  readonly closed: Promise<CloseEvent>;
  private readonly events = new EventEmitter();
  private readonly answers = new Map<string, (answer: Ack & { id: unknown }) => void>();
  private nextId = 0;
  private pings = 0;

  constructor(readonly ws: WebSocket) {
    this.events.setMaxListeners(100);
    // counted from the start: the heartbeat may ping before the caller could listen (during its first request)
    ws.on('ping', () => this.pings++);
    this.closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as { id?: unknown; event?: string; data?: unknown };
      if ('id' in frame) {
        const key = JSON.stringify(frame.id);
        const resolve = this.answers.get(key);
        this.answers.delete(key);
        if (resolve) resolve(frame as Ack & { id: unknown });
        else this.events.emit('answer', frame);
      } else {
        this.events.emit('server-event', frame);
      }
    });
  }

  /** The server's pings this client received since it opened. */
  get pingsReceived(): number {
    return this.pings;
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** Sends `{ id, event, data }` and resolves with the answer carrying that id. */
  request<T = any>(event: string, data?: unknown, id: string | number = `r${++this.nextId}`): Promise<Ack<T> & { id: unknown }> {
    const answer = this.answerTo<T>(id);
    this.ws.send(JSON.stringify({ id, event, data }));
    return answer;
  }

  async requestOk<T = any>(event: string, data?: unknown): Promise<T> {
    const answer = await this.request<T>(event, data);
    if (!answer.ok) throw new Error(`${event} failed: ${JSON.stringify(answer.error)}`);
    return answer.data;
  }

  /** Sends anything, for the tests of malformed frames. */
  sendRaw(frame: string | Buffer, binary = false): void {
    this.ws.send(frame, { binary });
  }

  answerTo<T = any>(id: unknown): Promise<Ack<T> & { id: unknown }> {
    return new Promise((resolve, reject) => {
      const key = JSON.stringify(id);
      const timer = setTimeout(() => {
        this.answers.delete(key);
        reject(new Error(`no answer to ${key} within ${ANSWER_TIMEOUT_MS} ms`));
      }, ANSWER_TIMEOUT_MS);
      this.answers.set(key, (answer) => {
        clearTimeout(timer);
        resolve(answer as Ack<T> & { id: unknown });
      });
    });
  }

  /** The next answer that matched no request of this client (id null, or an id sent with `sendRaw`). */
  nextUnclaimedAnswer(): Promise<Ack & { id: unknown }> {
    return this.nextOf('answer', () => true) as Promise<Ack & { id: unknown }>;
  }

  /** The data of the next server event `event` that satisfies `matches`. */
  async next<T = any>(event: string, matches: (data: T) => boolean = () => true, timeoutMs = EVENT_TIMEOUT_MS): Promise<T> {
    const frame = (await this.nextOf('server-event', (frame: { event: string; data: T }) => frame.event === event && matches(frame.data), timeoutMs)) as {
      data: T;
    };
    return frame.data;
  }

  /** Every data of `event` from now on. */
  collect<T = any>(event: string): T[] {
    const received: T[] = [];
    this.events.on('server-event', (frame: { event: string; data: T }) => frame.event === event && received.push(frame.data));
    return received;
  }

  close(): void {
    this.ws.close();
  }

  private nextOf<F>(kind: string, matches: (frame: F) => boolean, timeoutMs = EVENT_TIMEOUT_MS): Promise<F> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.events.off(kind, listener);
        reject(new Error(`no matching ${kind} within ${timeoutMs} ms`));
      }, timeoutMs);
      const listener = (frame: F) => {
        if (!matches(frame)) return;
        clearTimeout(timer);
        this.events.off(kind, listener);
        resolve(frame);
      };
      this.events.on(kind, listener);
    });
  }
}

const opened: WebSocket[] = [];

function open(baseUrl: string, options: PlainConnectOptions): WebSocket {
  const url = new URL('/ws', baseUrl.replace(/^http/, 'ws'));
  const headers = { ...options.headers };
  if (options.token && options.tokenInHeader) headers.authorization = `Bearer ${options.token}`;
  else if (options.token) url.searchParams.set('token', options.token);
  const ws = new WebSocket(url, { headers, autoPong: options.autoPong ?? true });
  opened.push(ws);
  return ws;
}

/** A connected `/ws` client; rejects with the HTTP status when the upgrade is refused. */
export function connectPlain(baseUrl: string, options: PlainConnectOptions = {}): Promise<PlainClient> {
  const ws = open(baseUrl, options);
  const client = new PlainClient(ws);
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(client));
    ws.once('unexpected-response', (_request, response) => reject(new Error(`upgrade refused with ${response.statusCode}`)));
    ws.once('error', reject);
  });
}

/** The HTTP answer to an upgrade that must be refused. */
export function refusedUpgrade(baseUrl: string, options: PlainConnectOptions = {}): Promise<{ status: number; body: any; headers: Record<string, unknown> }> {
  const ws = open(baseUrl, options);
  return new Promise((resolve, reject) => {
    ws.once('open', () => reject(new Error('expected the upgrade to be refused, but it was accepted')));
    ws.once('error', () => undefined);
    ws.once('unexpected-response', (_request, response) => {
      readBody(response).then((body) => {
        const text = body.toString();
        resolve({ status: response.statusCode ?? 0, body: text ? JSON.parse(text) : undefined, headers: response.headers });
      }, reject);
    });
  });
}

export function closeAllPlainClients(): void {
  for (const ws of opened.splice(0)) ws.terminate();
}
