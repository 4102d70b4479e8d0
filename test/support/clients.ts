import { io, Socket } from 'socket.io-client';

const ACK_TIMEOUT_MS = 5000;
const EVENT_TIMEOUT_MS = 5000;

export type Ack<T = any> = { ok: true; data: T } | { ok: false; error: { code: string; message: string; details?: any } };

export interface ConnectOptions {
  token?: string;
  headers?: Record<string, string>;
  transports?: ('websocket' | 'polling')[];
  extraHeaders?: Record<string, string>;
  /** Let socket.io-client reconnect by itself after a lost transport (off by default: most tests want one connection). */
  reconnection?: boolean;
  /** Socket.IO's parser module, for a node started with SOCKET_PARSER=msgpack. */
  parser?: object;
}

const opened: Socket[] = [];

/** A real socket.io-client on `/chat`, resolved once connected; rejects with the connect_error. */
export function connect(baseUrl: string, options: ConnectOptions = {}): Promise<Socket> {
  const socket = io(`${baseUrl}/chat`, {
    auth: options.token ? { token: options.token } : {},
    extraHeaders: options.extraHeaders,
    transports: options.transports ?? ['websocket'],
    reconnection: options.reconnection ?? false,
    reconnectionDelay: 100,
    reconnectionDelayMax: 500,
    forceNew: true,
    timeout: 5000,
    ...(options.parser ? { parser: options.parser } : {}),
  });
  opened.push(socket);
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (error) => {
      socket.close();
      reject(error);
    });
  });
}

/** The connect_error a refused handshake produces. */
export async function connectError(baseUrl: string, options: ConnectOptions = {}): Promise<Error & { data?: any }> {
  try {
    const socket = await connect(baseUrl, options);
    socket.close();
  } catch (error) {
    return error as Error & { data?: any };
  }
  throw new Error('expected the connection to be refused');
}

/** Emits with an acknowledgement and resolves with it; a missing ack fails after a bounded wait. */
export function request<T = any>(socket: Socket, event: string, ...payload: unknown[]): Promise<Ack<T>> {
  return socket.timeout(ACK_TIMEOUT_MS).emitWithAck(event, ...payload) as Promise<Ack<T>>;
}

/** Like `request`, but fails unless the ack is `{ ok: true }`, and returns its data. */
export async function requestOk<T = any>(socket: Socket, event: string, payload: unknown): Promise<T> {
  const ack = await request<T>(socket, event, payload);
  if (!ack.ok) throw new Error(`${event} failed: ${JSON.stringify(ack.error)}`);
  return ack.data;
}

/** The next `event` on `socket` that satisfies `matches`. */
export function nextEvent<T = any>(socket: Socket, event: string, matches: (payload: T) => boolean = () => true, timeoutMs = EVENT_TIMEOUT_MS): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, listener);
      reject(new Error(`no "${event}" within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = (payload: T) => {
      if (!matches(payload)) return;
      clearTimeout(timer);
      socket.off(event, listener);
      resolve(payload);
    };
    socket.on(event, listener);
  });
}

/** Everything `event` delivers from now on, for asserting on what arrived (or did not). */
export function collect<T = any>(socket: Socket, event: string): T[] {
  const received: T[] = [];
  socket.on(event, (payload: T) => received.push(payload));
  return received;
}

/** Resolves when `socket` is disconnected, with the reason. */
export function disconnection(socket: Socket, timeoutMs = EVENT_TIMEOUT_MS): Promise<string> {
  if (socket.disconnected) return Promise.resolve('already disconnected');
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`still connected after ${timeoutMs} ms`)), timeoutMs);
    socket.once('disconnect', (reason) => {
      clearTimeout(timer);
      resolve(reason);
    });
  });
}

/**
 * A round trip through the node that serves `socket`: once it is acknowledged, every broadcast the node
 * published before it has been handled by this socket's node too. Used to prove that something did NOT arrive.
 */
export async function roundTrip(socket: Socket): Promise<void> {
  // only a handled event is a barrier: a refusal (rate_limited, unavailable) proves nothing about the order
  await requestOk(socket, 'message:history', { room: 'round-trip', limit: 1 });
}

/** Every stored message of `room`, oldest first, paged through `message:history`. */
export async function wholeHistory<T = any>(socket: Socket, room: string): Promise<T[]> {
  const messages: T[] = [];
  let after = '0-0';
  for (;;) {
    const page = await requestOk<{ messages: (T & { id: string })[] }>(socket, 'message:history', { room, after, limit: 100 });
    messages.push(...page.messages);
    if (page.messages.length < 100) return messages;
    after = page.messages[page.messages.length - 1].id;
  }
}

export function closeAllClients(): void {
  for (const socket of opened.splice(0)) socket.close();
}
