import { EventEmitter } from 'node:events';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { createShardedAdapter } from '@socket.io/redis-adapter';
import { Namespace, Server } from 'socket.io';
import { io as connectClient } from 'socket.io-client';
import { installedVersion, LibrarySeamError, verifyLibrarySeams } from '../common/library-seam';
import { renameAdmittingSocket, socketIoSeams } from './library-seams';

const fromSocketIo = createRequire(require.resolve('socket.io'));
const fromRedisAdapter = createRequire(require.resolve('@socket.io/redis-adapter'));

/** Runs the start-up check and returns its error, if any. */
async function failureOfCheck(): Promise<LibrarySeamError | undefined> {
  try {
    await verifyLibrarySeams(socketIoSeams());
    return undefined;
  } catch (error) {
    if (error instanceof LibrarySeamError) return error;
    throw error;
  }
}

/** Replaces `target[key]` for one test, as an upgrade that changed it would. */
function replaceFor(target: object, key: string, value: unknown): () => void {
  const own = Object.getOwnPropertyDescriptor(target, key);
  if (value === undefined) delete (target as Record<string, unknown>)[key];
  else Object.defineProperty(target, key, { value, configurable: true, writable: true });
  return () => {
    if (own) Object.defineProperty(target, key, own);
    else delete (target as Record<string, unknown>)[key];
  };
}

describe('Socket.IO library seams', () => {
  let restore: (() => void) | undefined;
  afterEach(() => {
    restore?.();
    restore = undefined;
  });

  it('all hold on the installed versions, as the start-up check finds them', async () => {
    expect(await failureOfCheck()).toBeUndefined();
  });

  it.each([
    ['socket.io', 'Server#onconnection', () => replaceFor(Server.prototype, 'onconnection', undefined)],
    [
      'socket.io',
      'Namespace#_preConnectSockets',
      () => {
        // an upgrade that keeps sockets being admitted elsewhere: the renamed socket stays behind
        const add = (Namespace.prototype as { _add: (...args: unknown[]) => unknown })._add;
        return replaceFor(Namespace.prototype, '_add', function (this: { _preConnectSockets: Map<string, unknown> }, ...args: unknown[]) {
          const result = add.apply(this, args);
          this._preConnectSockets = new Map(this._preConnectSockets);
          return result;
        });
      },
    ],
    [
      'socket.io',
      'Client#nsps',
      () => {
        // an upgrade that keeps a client's namespaces under another name
        const { Client } = require(join(dirname(require.resolve('socket.io')), 'client.js')) as { Client: { prototype: object } };
        const doConnect = (Client.prototype as { doConnect: (...args: unknown[]) => unknown }).doConnect;
        return replaceFor(Client.prototype, 'doConnect', function (this: { nsps: Map<string, unknown> }, ...args: unknown[]) {
          this.nsps = new (class extends Map<string, unknown> {
            override set(): this {
              return this;
            }
          })();
          return doConnect.apply(this, args);
        });
      },
    ],
    [
      'socket.io-parser',
      'the text wire format',
      () => {
        const { Encoder } = fromSocketIo('socket.io-parser') as { Encoder: { prototype: { encode(packet: object): unknown[] } } };
        const encode = Encoder.prototype.encode;
        // a format that put the ack id before the namespace
        return replaceFor(Encoder.prototype, 'encode', function (this: unknown, packet: { id?: number; nsp: string }) {
          return encode.call(this, { ...packet, nsp: packet.id === undefined ? packet.nsp : `${packet.id}${packet.nsp}` });
        });
      },
    ],
    [
      'socket.io-adapter',
      'Adapter#_encode and Adapter#apply',
      () => replaceFor((fromRedisAdapter('socket.io-adapter') as typeof import('socket.io-adapter')).Adapter.prototype, '_encode', undefined),
    ],
    [
      '@socket.io/redis-adapter',
      'ShardedRedisAdapter#subClient and #dynamicChannel',
      () => {
        const adapter = createShardedAdapter(
          {} as never,
          Object.assign(new EventEmitter(), { ssubscribe: () => Promise.resolve() }) as never,
        )({ name: '/x', server: { encoder: {} } } as Namespace);
        return replaceFor(Object.getPrototypeOf(adapter) as object, 'dynamicChannel', undefined);
      },
    ],
    [
      'engine.io',
      "the WebSocket transport's `socket`",
      () => {
        const { transports } = fromSocketIo('engine.io') as { transports: Record<string, new (request: { websocket: unknown }) => object> };
        const Original = transports.websocket;
        class Renamed extends Original {
          constructor(request: { websocket: unknown }) {
            super(request);
            Object.assign(this, { ws: (this as { socket?: unknown }).socket, socket: undefined });
          }
        }
        return replaceFor(transports, 'websocket', Renamed);
      },
    ],
    [
      'engine.io',
      "the server's `flush` event",
      () => {
        // an upgrade whose flush tells only the connection, no longer its server
        const { Socket } = fromSocketIo('engine.io') as { Socket: { prototype: object } };
        return replaceFor(Socket.prototype, 'flush', function (this: EventEmitter & { writeBuffer: unknown[] }) {
          this.emit('flush', this.writeBuffer);
        });
      },
    ],
    [
      'ws',
      'WebSocket#_socket',
      () => {
        const { WebSocket } = createRequire(fromSocketIo.resolve('engine.io'))('ws') as { WebSocket: { prototype: { setSocket(...args: unknown[]): void } } };
        const setSocket = WebSocket.prototype.setSocket;
        // an upgrade that keeps the TCP socket under another name
        return replaceFor(WebSocket.prototype, 'setSocket', function (this: { _socket?: unknown; tcp?: unknown }, ...args: unknown[]) {
          setSocket.apply(this, args);
          this.tcp = this._socket;
          this._socket = undefined;
        });
      },
    ],
  ])('fails the start-up check, naming %s, its version and %s, when an upgrade changes it', async (library, internal, breakIt) => {
    restore = breakIt();

    const failure = await failureOfCheck();

    const resolvedFrom =
      library === 'socket.io-adapter'
        ? '@socket.io/redis-adapter'
        : library === 'ws'
          ? 'engine.io'
          : library === 'socket.io' || library === '@socket.io/redis-adapter'
            ? undefined
            : 'socket.io';
    const version = installedVersion(library, resolvedFrom);
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
    expect(failure?.failures).toEqual(expect.arrayContaining([expect.stringContaining(`${library} ${version}: ${internal}`)]));
    expect(failure?.message).toContain(`${library} ${version}`);
  });
});

describe('renameAdmittingSocket', () => {
  it('leaves no socket behind among those being admitted, whether the middleware admits or refuses it', async () => {
    const httpServer = createServer();
    const server = new Server(httpServer);
    const namespace = server.of('/chat');
    namespace.use((socket, next) => {
      renameAdmittingSocket(socket, `~c:${socket.id}`);
      next((socket.handshake.auth as { refuse?: boolean }).refuse ? new Error('refused') : undefined);
    });
    await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}/chat`;
    const admitted = connectClient(url, { transports: ['websocket'] });
    const refused = connectClient(url, { transports: ['websocket'], auth: { refuse: true }, autoConnect: false });
    try {
      await new Promise<void>((resolve) => admitted.once('connect', () => resolve()));
      refused.connect();
      await new Promise((resolve) => refused.once('connect_error', resolve));
      expect([...namespace.sockets.keys()]).toEqual([expect.stringMatching(/^~c:/)]);
      // kept under its first id, each socket ever admitted or refused stayed here for the life of the process
      expect((namespace as unknown as { _preConnectSockets: Map<string, unknown> })._preConnectSockets.size).toBe(0);
    } finally {
      admitted.disconnect();
      refused.disconnect();
      await server.close();
    }
  });
});
