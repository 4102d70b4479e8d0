import { ChatClientBase, type ChatClientBaseOptions } from './chat-client-base';
import type { ChatConnection, ConnectionListener } from './connection';
import type { Ack } from './contract';

/**
 * What the client uses of a WebSocket: the standard API of browsers and of Node 22+'s global `WebSocket`, which
 * the `ws` package implements too (`import WebSocket from 'ws'` on Node 20).
 */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'message' | 'close' | 'error', listener: (event: any) => void): void;
}

export type WebSocketConstructor = new (url: string) => WebSocketLike;

export interface WsChatClientOptions extends ChatClientBaseOptions {
  /** The WebSocket class; default: the global one (browsers, Node 22+). On Node 20, pass the `ws` package's. */
  WebSocket?: WebSocketConstructor;
}

/** The plain-WebSocket endpoint's path, beside the node's Socket.IO path. */
export const PLAIN_WEBSOCKET_PATH = '/ws';

const OPEN = 1;
const CLOSE_NORMAL = 1000;
/** Close codes after which connecting again is pointless: a refused token (4001, 4003 for a ban), a broken client (1008). */
const CLOSE_UNAUTHORIZED = 4001;
const CLOSE_BANNED = 4003;
const CLOSE_POLICY_VIOLATION = 1008;

/**
 * The typed client over the plain WebSocket endpoint `GET /ws` (JSON frames `{ id, event, data }`, answered
 * `{ id, ok, data | error }`, server events `{ event, data }`); see `ChatClientBase` for what it guarantees.
 * The same requests, events, errors, rejoin with catch-up and idempotent sends as `ChatClient`, without a
 * Socket.IO library: for environments that have only a WebSocket.
 */
export class WsChatClient extends ChatClientBase {
  private readonly WebSocket: WebSocketConstructor;

  private constructor(options: WsChatClientOptions) {
    super(options);
    const WebSocket = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!WebSocket) throw new Error('no global WebSocket (Node 20): pass one as the WebSocket option, e.g. the ws package');
    this.WebSocket = WebSocket;
  }

  /** Connects to the first URL that accepts; rejects with `ClientClosedError` when the token is refused. */
  static async connect(options: WsChatClientOptions): Promise<WsChatClient> {
    return ChatClientBase.start(new WsChatClient(options), options.connectTimeoutMs);
  }

  protected override openConnection(url: string, token: () => Promise<string>, listener: ConnectionListener): ChatConnection {
    return new PlainWebSocketConnection(this.WebSocket, url, token, listener, this.ackTimeoutMs);
  }
}

/** `http(s)://host[/prefix]` → `ws(s)://host[/prefix]/ws?token=…` (browsers cannot set an Authorization header). */
export function plainWebSocketUrl(url: string, token: string): string {
  const address = new URL(url);
  if (address.protocol === 'http:') address.protocol = 'ws:';
  else if (address.protocol === 'https:') address.protocol = 'wss:';
  address.pathname = `${address.pathname.replace(/\/+$/, '')}${PLAIN_WEBSOCKET_PATH}`;
  address.searchParams.set('token', token);
  return address.toString();
}

interface PendingRequest {
  resolve(ack: Ack<unknown>): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

/** The `ws` package's response to a refused upgrade, as its `unexpected-response` event gives it. */
interface UpgradeResponse {
  statusCode?: number;
  setEncoding(encoding: 'utf8'): void;
  on(event: 'data', listener: (chunk: string) => void): void;
  on(event: 'end' | 'error', listener: () => void): void;
}

class PlainWebSocketConnection implements ChatConnection {
  private socket?: WebSocketLike;
  private hasOpened = false;
  /** Closed by the client, or its end already reported: nothing more reaches the listener. */
  private isSettled = false;
  private nextId = 0;
  private readonly pending = new Map<number, PendingRequest>();
  private openTimer?: ReturnType<typeof setTimeout>;

  constructor(
    private readonly WebSocket: WebSocketConstructor,
    url: string,
    token: () => Promise<string>,
    private readonly listener: ConnectionListener,
    private readonly openTimeoutMs: number,
  ) {
    token().then(
      (current) => this.connect(plainWebSocketUrl(url, current)),
      () => this.fail(),
    );
  }

  get isOpen(): boolean {
    return this.hasOpened && !this.isSettled && this.socket?.readyState === OPEN;
  }

  request(event: string, data: unknown, timeoutMs: number): Promise<Ack<unknown>> {
    if (!this.isOpen) return Promise.reject(new Error('not connected'));
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${event}: no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      try {
        this.socket!.send(JSON.stringify({ id, event, data }));
      } catch (error) {
        this.settle(id);
        reject(error as Error);
      }
    });
  }

  close(): void {
    if (this.isSettled) return;
    this.isSettled = true;
    this.abandon();
  }

  private connect(url: string): void {
    if (this.isSettled) return;
    let socket: WebSocketLike;
    try {
      socket = new this.WebSocket(url);
    } catch {
      return this.fail();
    }
    this.socket = socket;
    this.openTimer = setTimeout(() => this.fail(), this.openTimeoutMs);
    socket.addEventListener('open', () => this.onOpen());
    socket.addEventListener('message', (event: { data: unknown }) => this.onFrame(event.data));
    socket.addEventListener('close', (event: { code: number; reason: string }) => this.onClose(event.code, event.reason));
    // a close event follows every error
    socket.addEventListener('error', () => undefined);
    // The standard API hides a refused upgrade's status; the ws package tells it, and the body's contract code.
    const emitter = socket as unknown as { on?: (event: string, listener: (request: unknown, response: UpgradeResponse) => void) => void };
    if (typeof emitter.on === 'function') emitter.on('unexpected-response', (_request, response) => this.onRefusedUpgrade(response));
  }

  private onOpen(): void {
    if (this.isSettled) return;
    clearTimeout(this.openTimer);
    this.hasOpened = true;
    this.listener.opened();
  }

  private onFrame(data: unknown): void {
    if (this.isSettled || typeof data !== 'string') return;
    let frame: { id?: unknown; ok?: boolean; data?: unknown; error?: unknown; event?: unknown };
    try {
      frame = JSON.parse(data);
    } catch {
      return;
    }
    if (typeof frame.id === 'number' && typeof frame.ok === 'boolean') {
      this.settle(frame.id)?.resolve(frame as Ack<unknown>);
    } else if (typeof frame.event === 'string' && frame.id === undefined) {
      this.listener.event(frame.event, frame.data);
    }
  }

  private onClose(code: number, reason: string): void {
    this.rejectPending();
    if (this.isSettled) return;
    this.isSettled = true;
    clearTimeout(this.openTimer);
    if (code === CLOSE_UNAUTHORIZED || code === CLOSE_BANNED) return this.listener.refused(reason || (code === CLOSE_BANNED ? 'banned' : undefined));
    if (!this.hasOpened) return this.listener.failed();
    this.listener.closed(`websocket closed (${code}${reason ? `: ${reason}` : ''})`, code !== CLOSE_POLICY_VIOLATION);
  }

  /** 401 and 403 (a ban) are refusals of the token; anything else (429, 503, ...) is worth another try. */
  private onRefusedUpgrade(response: UpgradeResponse): void {
    let body = '';
    response.setEncoding('utf8');
    response.on('data', (chunk) => (body += chunk));
    const report = () => {
      if (this.isSettled) return;
      this.isSettled = true;
      clearTimeout(this.openTimer);
      if (response.statusCode === 401 || response.statusCode === 403)
        this.listener.refused(contractCodeOf(body) ?? (response.statusCode === 403 ? 'banned' : undefined));
      else this.listener.failed();
      this.abandon();
    };
    response.on('end', report);
    response.on('error', report);
  }

  private fail(): void {
    if (this.isSettled) return;
    this.isSettled = true;
    this.abandon();
    this.listener.failed();
  }

  private abandon(): void {
    clearTimeout(this.openTimer);
    this.rejectPending();
    this.socket?.close(CLOSE_NORMAL);
  }

  private settle(id: number): PendingRequest | undefined {
    const request = this.pending.get(id);
    if (!request) return undefined;
    this.pending.delete(id);
    clearTimeout(request.timer);
    return request;
  }

  private rejectPending(): void {
    for (const [id, request] of this.pending) {
      this.settle(id);
      request.reject(new Error('connection closed'));
    }
  }
}

function contractCodeOf(body: string): string | undefined {
  try {
    const code: unknown = (JSON.parse(body) as { code?: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}
