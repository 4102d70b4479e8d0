import type { Connection, Transport } from '../common/connection';
import type { AuthUser } from '../common/auth-user';
import type { ChatSocket } from './chat-socket';
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

  join(rooms: string | string[]): void | Promise<void> {
    return this.socket.join(rooms);
  }

  leave(room: string): void | Promise<void> {
    return this.socket.leave(room);
  }
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
