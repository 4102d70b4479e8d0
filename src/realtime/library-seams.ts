import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { Socket as NetSocket } from 'node:net';
import { createShardedAdapter } from '@socket.io/redis-adapter';
import { Server, type Namespace, type Socket } from 'socket.io';
import { expectInternal, type LibrarySeam } from '../common/library-seam';

/**
 * The only code that touches internals of Socket.IO and the libraries under it (engine.io, socket.io-parser,
 * socket.io-adapter, the Redis adapter). Each is used because the library offers no public way to do the same;
 * `socketIoSeams()` lists them with a check that `main.ts` runs before the node listens, so that an upgrade which
 * moves one stops the node at start-up, naming the library, its version and the internal.
 *
 * What used to touch internals and no longer does, since a public way exists: engine.io's `request._query` (the
 * `/ws` query held the token in `socket.handshake.query`; nothing reads it) and `socket.conn.request` dropped after
 * the handshake (Socket.IO documents doing so, see `forgetRequest`).
 */

/** Packages as Socket.IO itself resolves them: the copy it uses is the one whose internals matter. */
const fromSocketIo = createRequire(require.resolve('socket.io'));
const fromRedisAdapter = createRequire(require.resolve('@socket.io/redis-adapter'));

// --- socket.io: Server#onconnection ---------------------------------------------------------------------------

/**
 * Hands a connection made outside engine.io (a plain WebSocket of `/ws`) to Socket.IO as one of the engine's
 * connections. Socket.IO has no public door for that: engine.io's `connection` event calls this private method.
 * The connection must behave as engine.io's `Socket` does towards Socket.IO (`PlainWebSocketConnection`).
 */
export function handToSocketIo(io: Server, connection: EventEmitter): void {
  (io as unknown as { onconnection(connection: EventEmitter): void }).onconnection(connection);
}

// --- socket.io: Namespace#_preConnectSockets ------------------------------------------------------------------

/**
 * Gives a socket that is being admitted (in its namespace's middleware) another id. Socket.IO joins a socket to
 * the room of its id only after the middleware, so the id can still change; but the namespace already keeps the
 * socket under its first id among those being admitted, and removes it from there by its id once admitted or
 * refused: kept under the old id, every socket ever admitted or refused stayed there.
 */
export function renameAdmittingSocket(socket: Socket, id: string): void {
  const admitting = (socket.nsp as unknown as { _preConnectSockets?: Map<string, Socket> })._preConnectSockets;
  const wasAdmitting = admitting?.delete(socket.id) ?? false;
  (socket as { id: string }).id = id;
  if (wasAdmitting) admitting?.set(id, socket);
}

// --- socket.io: Client#nsps -----------------------------------------------------------------------------------

/** How many namespaces the socket's transport has joined: Socket.IO keeps it on its private client. */
export function namespacesJoinedBy(socket: Socket): number {
  return (socket.client as unknown as { nsps: Map<string, unknown> }).nsps.size;
}

// --- socket.io-adapter: Adapter#_encode and Adapter#apply -----------------------------------------------------

/** The two steps of every broadcast that reaches this node's sockets, as the in-memory adapter runs them. */
export interface BroadcastSteps {
  /** Encodes the packet once for every recipient. */
  encode(packet: { data: unknown[] }, options: unknown): unknown;
  /** Then visits each recipient, synchronously. */
  apply(options: unknown, visit: (socket: unknown) => void): void;
}

/**
 * Replaces the adapter's broadcast steps with wrapped ones. Every broadcast that reaches local sockets, whether it
 * started here or arrived through Redis, runs the in-memory adapter's `broadcast`, which calls `_encode` once and
 * then `apply`: no public hook sees a broadcast's recipients without a cost per recipient.
 */
export function wrapBroadcastSteps(adapter: Namespace['adapter'], wrap: (steps: BroadcastSteps) => BroadcastSteps): void {
  const internals = adapter as unknown as { _encode: BroadcastSteps['encode']; apply: BroadcastSteps['apply'] };
  const wrapped = wrap({ encode: internals._encode.bind(adapter), apply: internals.apply.bind(adapter) });
  internals._encode = wrapped.encode;
  internals.apply = wrapped.apply;
}

// --- @socket.io/redis-adapter: ShardedRedisAdapter#subClient and #dynamicChannel -------------------------------

/**
 * Redis Cluster: subscribes the sharded adapter's subscriber to a room's channel, resolving once Redis confirmed
 * it; undefined for any other adapter. The adapter sends the same SSUBSCRIBE itself when a room is new on this
 * node, without awaiting it; a second one for the same channel on the same connection is how a join learns that
 * messages published to the room reach this node. The channel's name and the subscriber are the adapter's own.
 */
export function shardedRoomSubscription(adapter: Namespace['adapter']): ((room: string) => Promise<unknown>) | undefined {
  const sharded = adapter as unknown as Partial<{ subClient: { ssubscribe(channel: string): Promise<unknown> }; dynamicChannel(room: string): string }>;
  const { subClient, dynamicChannel } = sharded;
  if (!subClient || typeof dynamicChannel !== 'function') return undefined;
  return (room) => Promise.resolve(subClient.ssubscribe(dynamicChannel.call(adapter, room)));
}

// --- engine.io: the WebSocket transport's `socket` -------------------------------------------------------------

/** What `ws` holds of a connection that the send-buffer bound reads: its unsent bytes, and a way to drop it now. */
export interface RawWebSocket {
  bufferedAmount: number;
  terminate(): void;
}

/** The `ws` socket under an engine.io WebSocket transport (undefined under polling): engine.io keeps it as `socket`. */
export function rawWebSocketOf(transport: object): RawWebSocket | undefined {
  return (transport as { socket?: RawWebSocket }).socket;
}

// --- engine.io and ws: the server's `flush` event, the TCP socket under a WebSocket --------------------------------

/** The TCP socket under a server-side `ws` WebSocket. */
export interface Corkable {
  cork(): void;
  uncork(): void;
}

/** engine.io's server as the flush listener meets it: `flush` is emitted with the connection and the packets it hands over. */
export interface FlushingEngine {
  on(event: 'flush', listener: (connection: { transport: object }, packets: unknown[]) => void): unknown;
}

/**
 * The TCP socket under an engine.io WebSocket transport (undefined under polling): `ws` keeps it as `_socket`, and
 * exposes no public way to cork it.
 */
export function tcpSocketUnder(transport: object): Corkable | undefined {
  return (rawWebSocketOf(transport) as { _socket?: Corkable } | undefined)?._socket;
}

// --- socket.io-parser: the text wire format --------------------------------------------------------------------

/** Socket.IO packet types (socket.io-parser) exchanged with a `/ws` client's connection. */
export const PacketType = { Connect: 0, Disconnect: 1, Event: 2, Ack: 3, ConnectError: 4 } as const;

/** A Socket.IO packet as its encoder writes it: `<type>[/<namespace>,][<ack id>]<JSON>`. */
export interface EncodedPacket {
  type: number;
  ackId?: number;
  json: string;
}

/**
 * Reads socket.io-parser's text packets by slicing, not with its decoder: a broadcast's packet is large and
 * reaches many clients, and its JSON is handed on as text.
 */
export function splitPacket(encoded: string): EncodedPacket {
  const type = encoded.charCodeAt(0) - 48;
  let index = 1;
  if (encoded[index] === '/') index = encoded.indexOf(',', index) + 1 || encoded.length;
  const digitsStart = index;
  while (index < encoded.length && encoded.charCodeAt(index) >= 48 && encoded.charCodeAt(index) <= 57) index++;
  return { type, ackId: index > digitsStart ? Number(encoded.slice(digitsStart, index)) : undefined, json: encoded.slice(index) };
}

/** The CONNECT packet a Socket.IO client sends to join the namespace, with its auth payload. */
export function connectPacket(namespace: string, auth: object): string {
  return `${PacketType.Connect}${namespace},${JSON.stringify(auth)}`;
}

export function eventPacket(namespace: string, ackId: number, event: string, data: unknown): string {
  return `${PacketType.Event}${namespace},${ackId}${JSON.stringify(data === undefined ? [event] : [event, data])}`;
}

// --- the checks -------------------------------------------------------------------------------------------------

const REHEARSAL_NAMESPACE = '/library-seam-check';
const REHEARSAL_SOCKET_ID = '~library-seam-check';
const REHEARSAL_TIMEOUT_MS = 2000;

/** What one admission through a throwaway server showed: the seams that only a running Socket.IO can show. */
interface Rehearsal {
  admittingBeforeRename: boolean;
  connectedUnderNewId: boolean;
  leftAdmitting: boolean;
  namespacesJoined: number;
  written: unknown[];
}

/** A connection as engine.io's `Socket` is towards Socket.IO: events in, encoded packets out. */
class RehearsalConnection extends EventEmitter {
  readonly id = 'library-seam-check';
  readonly protocol = 4;
  readonly readyState = 'open';
  readonly remoteAddress = '127.0.0.1';
  readonly request = { headers: {}, connection: {}, url: '/' };
  readonly transport = { name: 'rehearsal', writable: true };
  readonly written: unknown[] = [];
  write(packet: unknown): void {
    this.written.push(packet);
  }
  close(): void {
    this.emit('close', 'rehearsal over');
  }
}

/**
 * Admits one connection through a throwaway Socket.IO server (no HTTP, no Redis): handed over with
 * `handToSocketIo`, renamed in the middleware with `renameAdmittingSocket`, then connected.
 */
async function rehearseAdmission(): Promise<Rehearsal> {
  const io = new Server({ connectTimeout: REHEARSAL_TIMEOUT_MS });
  const namespace = io.of(REHEARSAL_NAMESPACE);
  const admitting = (namespace as unknown as { _preConnectSockets?: Map<string, Socket> })._preConnectSockets;
  expectInternal(admitting instanceof Map, 'Namespace#_preConnectSockets is not a Map');
  let admittingBeforeRename = false;
  namespace.use((socket, next) => {
    admittingBeforeRename = admitting.get(socket.id) === socket;
    renameAdmittingSocket(socket, REHEARSAL_SOCKET_ID);
    next();
  });
  const connection = new RehearsalConnection();
  let timer: NodeJS.Timeout | undefined;
  try {
    const connected = new Promise<Socket>((resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`a connection handed over was not admitted within ${REHEARSAL_TIMEOUT_MS} ms`)), REHEARSAL_TIMEOUT_MS);
      namespace.once('connection', resolve);
    });
    handToSocketIo(io, connection);
    connection.emit('data', connectPacket(REHEARSAL_NAMESPACE, {}));
    const socket = await connected;
    return {
      admittingBeforeRename,
      connectedUnderNewId: namespace.sockets.get(REHEARSAL_SOCKET_ID) === socket,
      leftAdmitting: admitting.size === 0,
      namespacesJoined: namespacesJoinedBy(socket),
      written: connection.written,
    };
  } finally {
    clearTimeout(timer);
    connection.close();
  }
}

class FakeSubscriber extends EventEmitter {
  readonly subscribed: string[] = [];
  ssubscribe(channel: string): Promise<number> {
    this.subscribed.push(channel);
    return Promise.resolve(1);
  }
}

/** A namespace as an adapter sees it when it is made. */
function fakeNamespace(): object {
  return { name: REHEARSAL_NAMESPACE, server: { encoder: { encode: (packet: unknown) => [JSON.stringify(packet)] } }, sockets: new Map() };
}

/** Every Socket.IO internal this code relies on, each with its check; a fresh rehearsal per call. */
export function socketIoSeams(): LibrarySeam[] {
  let rehearsal: Promise<Rehearsal> | undefined;
  const rehearsed = () => (rehearsal ??= rehearseAdmission());
  return [
    {
      library: 'socket.io',
      internal: 'Server#onconnection (hands a /ws connection to Socket.IO)',
      async verify() {
        expectInternal(typeof (Server.prototype as unknown as { onconnection?: unknown }).onconnection === 'function', 'Server#onconnection is not a function');
        const { written } = await rehearsed();
        const answer = typeof written[0] === 'string' ? splitPacket(written[0]) : undefined;
        expectInternal(answer?.type === PacketType.Connect, `a connection handed over was answered ${JSON.stringify(written[0])}, not CONNECT`);
      },
    },
    {
      library: 'socket.io',
      internal: 'Namespace#_preConnectSockets (renames a socket during its admission)',
      async verify() {
        const { admittingBeforeRename, connectedUnderNewId, leftAdmitting } = await rehearsed();
        expectInternal(admittingBeforeRename, 'a socket being admitted is not kept in Namespace#_preConnectSockets under its id');
        expectInternal(connectedUnderNewId, 'a socket renamed during its admission is not connected under its new id');
        expectInternal(leftAdmitting, 'a socket renamed during its admission stays in Namespace#_preConnectSockets');
      },
    },
    {
      library: 'socket.io',
      internal: 'Client#nsps (closes a transport refused by the default namespace that joined no other)',
      async verify() {
        const { namespacesJoined } = await rehearsed();
        expectInternal(namespacesJoined === 1, `a client connected to one namespace counts ${namespacesJoined}`);
      },
    },
    {
      library: 'socket.io-parser',
      resolvedFrom: 'socket.io',
      internal: 'the text wire format `<type>[/<nsp>,][<ack id>]<json>` (read and written by the /ws bridge)',
      verify() {
        const parser = fromSocketIo('socket.io-parser') as typeof import('socket.io-parser');
        for (const [name, value] of Object.entries(PacketType)) {
          const theirs = (parser.PacketType as unknown as Record<string, number>)[name.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()];
          expectInternal(theirs === value, `packet type ${name} is ${theirs}, not ${value}`);
        }
        const encoder = new parser.Encoder();
        const samples = [
          {
            packet: { type: PacketType.Event, nsp: '/chat', data: ['message', { content: 'a "quoted", [text]' }] },
            read: { type: 2, ackId: undefined, json: '["message",{"content":"a \\"quoted\\", [text]"}]' },
          },
          { packet: { type: PacketType.Ack, nsp: '/chat', id: 12, data: [{ ok: true }] }, read: { type: 3, ackId: 12, json: '[{"ok":true}]' } },
          { packet: { type: PacketType.Event, nsp: '/', data: ['session'] }, read: { type: 2, ackId: undefined, json: '["session"]' } },
        ];
        for (const { packet, read } of samples) {
          const [encoded] = encoder.encode(packet) as unknown[];
          const split = typeof encoded === 'string' ? splitPacket(encoded) : undefined;
          expectInternal(JSON.stringify(split) === JSON.stringify(read), `the encoder wrote ${JSON.stringify(encoded)}, read as ${JSON.stringify(split)}`);
        }
        const decoded: unknown[] = [];
        const decoder = new parser.Decoder();
        decoder.on('decoded', (packet: unknown) => decoded.push(packet));
        decoder.add(connectPacket('/chat', { token: 't' }));
        decoder.add(eventPacket('/chat', 7, 'room:join', { room: 'r' }));
        const expected = [
          { type: PacketType.Connect, nsp: '/chat', data: { token: 't' } },
          { type: PacketType.Event, nsp: '/chat', id: 7, data: ['room:join', { room: 'r' }] },
        ];
        expectInternal(JSON.stringify(decoded) === JSON.stringify(expected), `the decoder read ${JSON.stringify(decoded)}`);
      },
    },
    {
      library: 'socket.io-adapter',
      resolvedFrom: '@socket.io/redis-adapter',
      internal: 'Adapter#_encode and Adapter#apply (count message deliveries)',
      verify() {
        const { Adapter } = fromRedisAdapter('socket.io-adapter') as typeof import('socket.io-adapter');
        const prototype = Adapter.prototype as unknown as Record<string, unknown>;
        expectInternal(typeof prototype._encode === 'function' && typeof prototype.apply === 'function', 'Adapter#_encode or Adapter#apply is not a function');
        const adapter = new Adapter(fakeNamespace() as Namespace);
        const steps: string[] = [];
        wrapBroadcastSteps(adapter, ({ encode, apply }) => ({
          encode: (packet, options) => (steps.push('encode'), encode(packet, options)),
          apply: (options, visit) => (steps.push('apply'), apply(options, visit)),
        }));
        adapter.broadcast({ type: PacketType.Event, data: ['message', {}] } as never, { rooms: new Set(), except: new Set(), flags: {} });
        expectInternal(steps.join() === 'encode,apply', `a broadcast ran ${steps.join() || 'neither'}, not _encode then apply`);
      },
    },
    {
      library: '@socket.io/redis-adapter',
      internal: "ShardedRedisAdapter#subClient and #dynamicChannel (a join awaits its room's SSUBSCRIBE)",
      async verify() {
        const subscriber = new FakeSubscriber();
        const adapter = createShardedAdapter({} as never, subscriber as never, { channelPrefix: 'chat-io', subscriptionMode: 'dynamic' })(
          fakeNamespace() as Namespace,
        );
        const subscribe = shardedRoomSubscription(adapter);
        expectInternal(subscribe, 'the sharded adapter has no subClient or dynamicChannel');
        subscriber.subscribed.length = 0;
        await adapter.addAll('socket-1', new Set(['seam-room']));
        await subscribe('seam-room');
        const [theirs, ours] = subscriber.subscribed;
        expectInternal(
          theirs !== undefined && theirs === ours,
          `a room new on this node subscribed ${JSON.stringify(theirs)}, a join confirms ${JSON.stringify(ours)}`,
        );
      },
    },
    {
      library: 'engine.io',
      resolvedFrom: 'socket.io',
      internal: "the WebSocket transport's `socket` (the send-buffer bound reads its bufferedAmount)",
      verify() {
        const { transports } = fromSocketIo('engine.io') as { transports: Record<string, new (request: object) => object> };
        const ws = Object.assign(new EventEmitter(), { bufferedAmount: 0, terminate: () => undefined });
        const transport = new transports.websocket({ websocket: ws, _query: { EIO: '4' } });
        expectInternal(rawWebSocketOf(transport) === ws, 'the WebSocket transport does not keep its ws socket as `socket`');
      },
    },
    {
      library: 'engine.io',
      resolvedFrom: 'socket.io',
      internal: "the server's `flush` event (the packets a connection owes are written in one system call)",
      verify() {
        const { Socket } = fromSocketIo('engine.io') as { Socket: { prototype: { flush?: unknown } } };
        expectInternal(typeof Socket.prototype.flush === 'function', 'Socket#flush is not a function');
        expectInternal(/\.server\.emit\(\s*["']flush["']/.test(String(Socket.prototype.flush)), 'Socket#flush no longer emits `flush` on its server');
      },
    },
    {
      library: 'ws',
      resolvedFrom: 'engine.io',
      internal: 'WebSocket#_socket (the TCP socket corked while engine.io hands over queued packets)',
      verify() {
        const fromEngine = createRequire(fromSocketIo.resolve('engine.io'));
        const { WebSocket } = fromEngine('ws') as {
          WebSocket: new (address: null, protocols: undefined, options: object) => { setSocket(socket: NetSocket, head: Buffer, options: object): void };
        };
        const ws = new WebSocket(null, undefined, { autoPong: true });
        const tcp = new NetSocket();
        try {
          ws.setSocket(tcp, Buffer.alloc(0), { maxPayload: 0, skipUTF8Validation: false });
          const transport = { socket: ws };
          expectInternal(tcpSocketUnder(transport) === tcp, 'a server-side WebSocket does not keep its TCP socket as `_socket`');
        } finally {
          tcp.destroy();
        }
      },
    },
  ];
}
