import type { Connection, Transport } from '../common/connection';
import type { AuthUser } from '../common/auth-user';
import type { ChatSocket } from './chat-socket';
import { shardedRoomSubscription } from './library-seams';
import { PlainWebSocketConnection } from './plain-websocket/plain-websocket.connection';

/** A Socket.IO socket seen as a `Connection`; one per socket, made on first use. */
class SocketConnection implements Connection {
  readonly transport: Transport;

  constructor(private readonly socket: ChatSocket) {
    this.transport = socket.conn instanceof PlainWebSocketConnection ? 'websocket' : 'socket.io';
  }

  get id(): string {
    return this.socket.id;
  }

  get user(): AuthUser {
    return this.socket.data.user;
  }

  set user(user: AuthUser) {
    this.socket.data.user = user;
  }

  get rooms(): ReadonlySet<string> {
    return this.socket.rooms;
  }

  get isConnected(): boolean {
    return this.socket.connected;
  }

  async join(rooms: string | string[]): Promise<void> {
    const adapter = this.socket.nsp.adapter;
    const subscribe = shardedRoomSubscription(adapter);
    if (!subscribe) return this.socket.join(rooms);
    const joined = Array.isArray(rooms) ? rooms : [rooms];
    const confirmations = subscriptionsOf(adapter);
    for (const room of joined) {
      if (!adapter.rooms.has(room) && !confirmations.has(room)) {
        const confirmed = subscribe(room).finally(() => confirmations.delete(room));
        confirmations.set(room, confirmed);
      }
    }
    await this.socket.join(rooms);
    await Promise.all(joined.map((room) => confirmations.get(room)));
  }

  leave(room: string): void | Promise<void> {
    return this.socket.leave(room);
  }
}

/**
 * Redis Cluster: rooms whose channel subscription is not yet confirmed by Redis, per adapter. Until it is,
 * a message published to the room does not reach this node; a join answers only once it is.
 */
const pendingSubscriptions = new WeakMap<object, Map<string, Promise<unknown>>>();

function subscriptionsOf(adapter: object): Map<string, Promise<unknown>> {
  let pending = pendingSubscriptions.get(adapter);
  if (!pending) {
    pending = new Map();
    pendingSubscriptions.set(adapter, pending);
  }
  return pending;
}

const connections = new WeakMap<ChatSocket, Connection>();

export function connectionOf(socket: ChatSocket): Connection {
  let connection = connections.get(socket);
  if (!connection) {
    connection = new SocketConnection(socket);
    connections.set(socket, connection);
  }
  return connection;
}
