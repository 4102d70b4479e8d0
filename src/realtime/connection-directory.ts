import { Injectable } from '@nestjs/common';
import type { ServerEventMap, ServerEventName } from '../common/contract';
import type { Connection, Transport } from '../common/connection';
import { ChatNamespace } from './chat-namespace';
import type { ChatSocket } from './chat-socket';
import { connectionOf } from './socket-connection';
import { tokenChannel, userChannel } from './socket-channels';

/** The shortest step of a spread drain: finer steps cost timers and spread nothing a client could tell apart. */
const DRAIN_SLICE_MS = 20;

/** Whose connections: every connection of a user, or every connection opened with one token. */
export type Audience = { userId: string } | { tokenId: string };

/** The last event a client hears before the server disconnects it. */
export interface Farewell<E extends ServerEventName = ServerEventName> {
  event: E;
  payload: ServerEventMap[E];
}

/** A connection of this or another node, as the adapter's `fetchSockets` reports it. */
export interface RemoteConnection {
  id: string;
  rooms: ReadonlySet<string>;
  /** NODE_ID of the node that holds it. */
  nodeId: string;
  /** Epoch milliseconds of its handshake. */
  connectedAt: number;
  transport: Transport;
}

/**
 * User and connection addressing: which connections a user has, on this node or every node, keeping each
 * addressable by its user and token, and ending them (one with a farewell, or all of this node's at shutdown).
 */
@Injectable()
export class ConnectionDirectory {
  constructor(private readonly namespace: ChatNamespace) {}

  /** Keeps a connection addressable by its user and token; called at connection and when the token changes. */
  async address(connection: Connection, previousTokenId?: string): Promise<void> {
    if (previousTokenId && previousTokenId !== connection.user.tokenId) await connection.leave(tokenChannel(previousTokenId));
    await connection.join([userChannel(connection.user.id), tokenChannel(connection.user.tokenId)]);
  }

  /**
   * The user's connections on every node, asked live (bounded by the adapter's request timeout): a node that
   * died holds none, since its subscription to the adapter's requests went with it.
   */
  async connectionsOf(userId: string): Promise<RemoteConnection[]> {
    const sockets = await this.namespace.server.in(userChannel(userId)).fetchSockets();
    return sockets.map((socket) => ({
      id: socket.id,
      rooms: socket.rooms,
      nodeId: socket.data.nodeId,
      connectedAt: socket.handshake.issued,
      transport: socket.data.transport,
    }));
  }

  /** This node's connections of a user or a token. */
  localConnections(audience: Audience): Connection[] {
    const server = this.namespace.server;
    const channel = 'userId' in audience ? userChannel(audience.userId) : tokenChannel(audience.tokenId);
    const ids = server.adapter.rooms.get(channel);
    if (!ids) return [];
    return [...ids]
      .map((id) => server.sockets.get(id) as ChatSocket | undefined)
      .filter((socket) => socket !== undefined)
      .map(connectionOf);
  }

  /** Every connection this node holds. */
  allLocalConnections(): Connection[] {
    return [...this.namespace.server.sockets.values()].map(connectionOf);
  }

  /** Tells the client why, then disconnects it: the notice and the disconnect stay in order on the socket. */
  disconnect(connection: Connection, farewell: Farewell): void {
    const socket = this.namespace.server.sockets.get(connection.id) as ChatSocket | undefined;
    if (!socket) return;
    (socket.emit as (event: string, payload: unknown) => boolean)(farewell.event, farewell.payload);
    socket.disconnect(true);
  }

  /**
   * Shutdown: every local client hears why, then loses its transport, and reconnects to another node. The
   * closes are spread evenly over `spreadMs` (in slices at least DRAIN_SLICE_MS apart), so that the other nodes
   * take the reconnections as a ramp, not as one wave; each client hears the farewell just before its own close,
   * so that none leaves early. Until its turn a connection keeps receiving. Resolves once all are closed.
   */
  async dropAllLocal(farewell: Farewell, spreadMs = 0): Promise<number> {
    const sockets = [...this.namespace.server.sockets.values()];
    if (sockets.length === 0) return 0;
    const perSlice = Math.ceil(sockets.length / Math.max(1, Math.min(sockets.length, Math.floor(spreadMs / DRAIN_SLICE_MS))));
    const slices = Math.ceil(sockets.length / perSlice);
    for (let slice = 0; slice < slices; slice++) {
      if (slice > 0) await new Promise((resolve) => setTimeout(resolve, spreadMs / slices));
      for (const socket of sockets.slice(slice * perSlice, (slice + 1) * perSlice)) {
        if (!socket.connected) continue;
        (socket.emit as (event: string, payload: unknown) => boolean)(farewell.event, farewell.payload);
        socket.conn.close();
      }
    }
    return sockets.length;
  }
}
