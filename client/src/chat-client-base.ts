import type { ChatConnection, ConnectionListener } from './connection';
import type { Ack, ClientEventName, ClientPayload, ClientResult, JoinRoomResult, SendMessagePayload, ServerEventMap, StoredMessage } from './contract';
import { ClientClosedError, ContractError, isRetryable, RequestTimeoutError } from './errors';
import { newClientMsgId } from './message-ids';
import { RoomCursors, type Hold } from './room-cursors';

export type TokenSource = string | (() => string | Promise<string>);

/** The options both clients share. */
export interface ChatClientBaseOptions {
  /** One node URL or several (same cluster): after a lost connection the client moves on to the next one. */
  urls: string | string[];
  /** The JWT, or a function asked for the current one at every (re)connection. */
  token: TokenSource;
  /** Longest wait for an acknowledgement, and for a connection before a request gives up. Default 5000. */
  ackTimeoutMs?: number;
  /** Attempts of one send (the first one included) on a timeout or `unavailable`. Default 4. */
  sendAttempts?: number;
  /** First pause before reconnecting or retrying; doubles up to `maxRetryDelayMs`. Default 200. */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  /** How long `connect` keeps trying before it rejects. Default 10000. */
  connectTimeoutMs?: number;
}

/** What the client itself reports, beside the server's events. */
export interface ClientStateEventMap {
  connect: { url: string; isReconnect: boolean };
  disconnect: { reason: string };
  /** A room joined before a reconnection was joined again; `error` when the server refused it (the room is dropped). */
  rejoin: { room: string; result?: JoinRoomResult; error?: ContractError };
  /** The client stopped for good: refused token, ended session, or `close()`. */
  closed: { reason: string; code?: string };
}

export type ChatClientEventMap = ServerEventMap & ClientStateEventMap;
export type ChatClientEventName = keyof ChatClientEventMap;
type Handler<E extends ChatClientEventName> = (payload: ChatClientEventMap[E]) => void;

/**
 * Session ends after which connecting again would only be refused, or would defeat what the server meant. A ban
 * comes as `moderation { action: "banned" }` without a room, just before the server disconnects.
 */
const FINAL_SESSION_REASONS = new Set(['expired', 'revoked', 'logout', 'disconnected', 'banned']);
/** The contract's largest `message:history` page: a catch-up that the server cut short pages on with it. */
const HISTORY_PAGE_MAX = 100;

/**
 * The typed client's behaviour, whatever the transport: requests return promises of the ack's data and reject
 * with `ContractError`; after a lost connection it reconnects (trying the next URL), joins its rooms again with
 * `since` = the last message handed over in each, and hands the missed messages to the `message` handlers before
 * any live one: in a joined room, each stored message once and in id order, however often it reconnects.
 * `ChatClient` (Socket.IO) and `WsChatClient` (plain WebSocket `/ws`) differ only in `openConnection`.
 */
export abstract class ChatClientBase {
  private readonly urls: string[];
  protected readonly ackTimeoutMs: number;
  private readonly sendAttempts: number;
  private readonly retryDelayMs: number;
  private readonly maxRetryDelayMs: number;
  private token: TokenSource;
  private connection?: ChatConnection;
  private urlIndex = 0;
  private failedAttempts = 0;
  private hasConnected = false;
  private sessionEndReason?: string;
  private closedError?: ClientClosedError;
  /** Resolved with the connection once it is open and every room is joined again. */
  private ready?: Promise<ChatConnection>;
  private settleReady!: { resolve: (connection: ChatConnection) => void; reject: (error: Error) => void };
  private isReadySettled = false;
  private readonly handlers = new Map<ChatClientEventName, Set<Handler<any>>>();
  /** Joined rooms and what their `message` handlers were given. */
  private readonly cursors = new RoomCursors((message) => this.dispatch('message', message));

  protected constructor(options: ChatClientBaseOptions) {
    this.urls = Array.isArray(options.urls) ? options.urls : [options.urls];
    if (this.urls.length === 0) throw new Error('a chat client needs at least one URL');
    this.token = options.token;
    this.ackTimeoutMs = options.ackTimeoutMs ?? 5000;
    this.sendAttempts = options.sendAttempts ?? 4;
    this.retryDelayMs = options.retryDelayMs ?? 200;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 5000;
    this.resetReady();
  }

  /** Opens a connection to `url`; `token` gives the current token at the moment it is needed. */
  protected abstract openConnection(url: string, token: () => Promise<string>, listener: ConnectionListener): ChatConnection;

  /** Connects to the first URL that accepts; rejects with `ClientClosedError` when the token is refused. */
  protected static async start<C extends ChatClientBase>(client: C, connectTimeoutMs = 10_000): Promise<C> {
    client.open();
    try {
      await client.connected(connectTimeoutMs);
      return client;
    } catch (error) {
      client.close();
      throw error;
    }
  }

  /** Rooms joined through this client; they are joined again after every reconnection. */
  get rooms(): string[] {
    return this.cursors.rooms;
  }

  get isConnected(): boolean {
    return this.connection?.isOpen ?? false;
  }

  /** Listens to a server event or a client state event; returns the function that stops listening. */
  on<E extends ChatClientEventName>(event: E, handler: Handler<E>): () => void {
    let set = this.handlers.get(event);
    if (!set) this.handlers.set(event, (set = new Set()));
    set.add(handler);
    return () => set.delete(handler);
  }

  /** Any client event of the contract: resolves with the ack's `data`, rejects with `ContractError` or `RequestTimeoutError`. */
  async request<E extends ClientEventName>(event: E, payload: ClientPayload<E>): Promise<ClientResult<E>> {
    return this.emit(await this.connected(), event, payload);
  }

  /**
   * Resolves with the room's latest messages; every newer one goes to the `message` handlers, those that arrived
   * while the join was answered right after the caller has its result.
   */
  async join(room: string): Promise<JoinRoomResult> {
    const hold = this.cursors.beginJoin(room);
    let result: JoinRoomResult;
    try {
      result = await this.request('room:join', { room });
    } catch (error) {
      this.cursors.abandonJoin(room);
      throw error;
    }
    this.cursors.completeJoin(room, result.messages);
    // a macrotask: the caller's continuation after `await join()` runs first, so the held messages follow its result
    if (hold) setTimeout(() => this.cursors.release(room, hold));
    return result;
  }

  async leave(room: string): Promise<void> {
    await this.request('room:leave', { room });
    this.cursors.forget(room);
  }

  /**
   * Sends a message and resolves with it as stored. The `clientMsgId` is made once and kept across retries
   * (on a timeout or `unavailable`), so the message is stored once however many attempts it takes.
   */
  async send(room: string, content: string, extra: Omit<SendMessagePayload, 'room' | 'content'> = {}): Promise<StoredMessage> {
    return this.withRetries('message:send', { room, content, ...extra, clientMsgId: extra.clientMsgId ?? newClientMsgId() });
  }

  sendDirect(to: string, content: string, clientMsgId = newClientMsgId()): Promise<StoredMessage> {
    return this.withRetries('dm:send', { to, content, clientMsgId });
  }

  /**
   * `auth:refresh`: the connection goes on under `token` (same user), and later reconnections use it. Without an
   * argument, asks the `token` function of the options for a fresh one.
   */
  async refreshToken(token?: string): Promise<{ exp: number }> {
    const fresh = token ?? (typeof this.token === 'function' ? await this.token() : undefined);
    if (fresh === undefined) throw new Error('refreshToken needs a token when the client was given a fixed one');
    const result = await this.request('auth:refresh', { token: fresh });
    if (typeof this.token === 'string' || token !== undefined) this.token = fresh;
    return result;
  }

  /** Disconnects and stops reconnecting. */
  close(): void {
    this.stop(new ClientClosedError('closed by the client'));
  }

  private async withRetries<E extends 'message:send' | 'dm:send'>(event: E, payload: ClientPayload<E>): Promise<ClientResult<E>> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        const message = await this.request(event, payload);
        this.cursors.noteSent(message);
        return message;
      } catch (error) {
        if (attempt >= this.sendAttempts || !isRetryable(error)) throw error;
        await delay(this.backoff(attempt));
      }
    }
  }

  private open(): void {
    const url = this.urls[this.urlIndex % this.urls.length];
    // listeners of a connection that was replaced meanwhile are ignored
    const isCurrent = () => connection === this.connection;
    const connection: ChatConnection = this.openConnection(url, () => this.currentToken(), {
      opened: () => isCurrent() && void this.onConnect(connection, url),
      event: (name, payload) => isCurrent() && this.onServerEvent(name, payload),
      refused: (code) => isCurrent() && this.stop(new ClientClosedError('unauthorized', code)),
      failed: () => isCurrent() && this.reconnectLater(),
      closed: (reason, isTransportLoss) => isCurrent() && this.onDisconnect(reason, isTransportLoss),
    });
    this.connection = connection;
    this.sessionEndReason = undefined;
  }

  private async onConnect(connection: ChatConnection, url: string): Promise<void> {
    const isReconnect = this.hasConnected;
    this.hasConnected = true;
    this.failedAttempts = 0;
    // held from the connection's first packet on: the server may deliver a room live before its rejoin is answered
    const holds = this.rooms.map((room) => [room, this.cursors.hold(room)!] as const);
    this.dispatch('connect', { url, isReconnect });
    try {
      await Promise.all(holds.map(([room, hold]) => this.rejoin(connection, room, hold)));
    } catch {
      // a rejoin went unanswered: a connection without its rooms is no use, so start over (the next one rejoins)
      if (connection === this.connection && connection.isOpen) this.reconnectLater();
      return;
    }
    if (connection === this.connection && connection.isOpen) this.settleReady.resolve(connection);
  }

  /**
   * Joins `room` again with `since` = its cursor and hands over what was missed, paging on while the server says
   * more was; then the live messages held meanwhile, those the catch-up handed over already dropped.
   */
  private async rejoin(connection: ChatConnection, room: string, hold: Hold): Promise<void> {
    let result: JoinRoomResult;
    try {
      result = await this.emit(connection, 'room:join', { room, since: this.cursors.cursorOf(room) });
    } catch (error) {
      if (!(error instanceof ContractError)) throw error;
      this.cursors.forget(room);
      this.dispatch('rejoin', { room, error });
      return;
    }
    this.cursors.catchUp(room, result.messages);
    let complete = result.complete !== false;
    while (!complete && this.cursors.has(room)) {
      const page = await this.emit(connection, 'message:history', { room, after: this.cursors.cursorOf(room), limit: HISTORY_PAGE_MAX });
      this.cursors.catchUp(room, page.messages);
      complete = page.messages.length < HISTORY_PAGE_MAX;
    }
    this.cursors.release(room, hold);
    this.dispatch('rejoin', { room, result });
  }

  private onDisconnect(reason: string, isTransportLoss: boolean): void {
    this.resetReady();
    this.dispatch('disconnect', { reason });
    if (this.closedError) return;
    if (this.sessionEndReason && FINAL_SESSION_REASONS.has(this.sessionEndReason)) {
      this.stop(new ClientClosedError('session ended', this.sessionEndReason));
    } else if (isTransportLoss || this.sessionEndReason === 'shutdown') {
      this.reconnectLater();
    } else {
      this.stop(new ClientClosedError(reason));
    }
  }

  private reconnectLater(): void {
    if (this.closedError) return;
    this.discardConnection();
    this.failedAttempts += 1;
    this.urlIndex += 1;
    setTimeout(() => {
      if (!this.closedError) this.open();
    }, this.backoff(this.failedAttempts));
  }

  private onServerEvent(event: string, payload: unknown): void {
    if (event === 'session') this.sessionEndReason = (payload as ServerEventMap['session']).reason;
    if (event === 'moderation') {
      const notice = payload as ServerEventMap['moderation'];
      if ((notice.action === 'kicked' || notice.action === 'banned') && notice.room) this.cursors.forget(notice.room);
      if (notice.action === 'banned' && !notice.room) this.sessionEndReason = 'banned';
    }
    if (event === 'message') this.cursors.receive(payload as StoredMessage);
    else this.dispatch(event as ChatClientEventName, payload as never);
  }

  private dispatch<E extends ChatClientEventName>(event: E, payload: ChatClientEventMap[E]): void {
    for (const handler of this.handlers.get(event) ?? []) handler(payload);
  }

  private async emit<E extends ClientEventName>(connection: ChatConnection, event: E, payload: ClientPayload<E>): Promise<ClientResult<E>> {
    let ack: Ack<ClientResult<E>>;
    try {
      ack = (await connection.request(event, payload, this.ackTimeoutMs)) as Ack<ClientResult<E>>;
    } catch {
      throw new RequestTimeoutError(event, this.ackTimeoutMs);
    }
    if (!ack.ok) throw new ContractError(ack.error);
    return ack.data;
  }

  /** The connection once open and rejoined, waiting at most `timeoutMs`. */
  private connected(timeoutMs = this.ackTimeoutMs): Promise<ChatConnection> {
    if (this.closedError) return Promise.reject(this.closedError);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new RequestTimeoutError('connection', timeoutMs)), timeoutMs);
    });
    return Promise.race([this.ready!, timeout]).finally(() => clearTimeout(timer));
  }

  /** A new `ready` once the last one was settled; requests waiting on a pending one keep waiting on it. */
  private resetReady(): void {
    if (this.ready && !this.isReadySettled) return;
    this.isReadySettled = false;
    this.ready = new Promise<ChatConnection>((resolve, reject) => {
      this.settleReady = {
        resolve: (connection) => ((this.isReadySettled = true), resolve(connection)),
        reject: (error) => ((this.isReadySettled = true), reject(error)),
      };
    });
    // a rejection nobody awaits yet (no request pending) must not surface as an unhandled rejection
    this.ready.catch(() => undefined);
  }

  private stop(error: ClientClosedError): void {
    if (this.closedError) return;
    this.closedError = error;
    this.settleReady.reject(error);
    this.discardConnection();
    this.dispatch('closed', { reason: error.reason, code: error.code });
  }

  private discardConnection(): void {
    this.connection?.close();
  }

  private async currentToken(): Promise<string> {
    return typeof this.token === 'function' ? this.token() : this.token;
  }

  private backoff(attempt: number): number {
    const base = Math.min(this.maxRetryDelayMs, this.retryDelayMs * 2 ** (attempt - 1));
    return base / 2 + Math.random() * (base / 2);
  }
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
