import { Injectable, Logger } from '@nestjs/common';
import { ContractError } from '../common/contract-error';
import type { ServerEventMap, ServerEventName } from '../common/contract';
import type { Connection, Transport } from '../common/connection';
import type { SessionEndCause } from '../events/app-events';
import { ChatNamespace, MembershipListener } from './chat-namespace';
import { RoomFeed } from './room-feed';
import type { ChatSocket } from './chat-socket';
import { connectionOf } from './socket-connection';
import { tokenChannel, userChannel } from './socket-channels';

/**
 * How long an order waits for every other node's acknowledgement. Past it (or when Redis cannot carry the
 * order) the caller hears `unavailable`: the order may not have reached every node, and repeating it is safe.
 */
const ORDER_ACK_TIMEOUT_MS = 4000;
/** The shortest step of a spread drain: finer steps cost timers and spread nothing a client could tell apart. */
const DRAIN_SLICE_MS = 20;

/** Whose connections: every connection of a user, or every connection opened with one token. */
export type Audience = { userId: string } | { tokenId: string };

export interface BroadcastOptions {
  /** The connection the event came from, which already has its answer in the ack. */
  exceptConnection?: string;
  /** None of this user's connections hears it (their own typing, presence). */
  exceptUser?: string;
  /** No member of this room hears it (they hear it from the room's feed). */
  exceptRoom?: string;
}

/** The last event a client hears before the server disconnects it. */
export interface Farewell<E extends ServerEventName = ServerEventName> {
  event: E;
  payload: ServerEventMap[E];
}

/**
 * Every order one node sends all the others (`orderEveryNode`), one variant per `type` with its payload: the
 * cross-node protocol in one place, as socket.io's cluster adapter types its messages. A new order is a new
 * variant here; `NODE_ORDER_TYPES` and the handlers' types then follow from it.
 */
export type NodeOrder = {
  /** Every node ends the sessions it holds of the audience, with the farewell, then acknowledges. */
  type: 'session:end';
  audience: Audience;
  cause: SessionEndCause;
  farewell: Farewell;
};

export type NodeOrderType = NodeOrder['type'];
export type NodeOrderOf<T extends NodeOrderType> = Extract<NodeOrder, { type: T }>;
/** A node's handler of one order type, given exactly that type's variant. */
export type NodeOrderHandler<T extends NodeOrderType> = (order: NodeOrderOf<T>) => Promise<void>;

/** What a node reads an incoming order's `type` against: an order from a newer node may name one unknown here. */
const NODE_ORDER_TYPES: Record<NodeOrderType, true> = { 'session:end': true };
/** The one server-side event that carries every order between nodes. */
const NODE_ORDER_EVENT = 'node:order';

function isNodeOrder(value: unknown): value is NodeOrder {
  const type = (value as { type?: unknown } | null)?.type;
  return typeof type === 'string' && Object.hasOwn(NODE_ORDER_TYPES, type);
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
 * Everything services send to clients, on every node, through the Socket.IO Redis adapter: to rooms, to a
 * user's or a token's connections, to single connections. Also the cross-node orders that need an answer
 * from every node (end these sessions) and that take connections out of rooms.
 */
@Injectable()
export class Broadcaster {
  private readonly logger = new Logger(Broadcaster.name);
  private readonly orderHandlers: { [T in NodeOrderType]?: NodeOrderHandler<T> } = {};
  private isListeningForOrders = false;

  constructor(
    private readonly namespace: ChatNamespace,
    private readonly feed: RoomFeed,
  ) {}

  /**
   * Joins a chat room: the answer is the id of the last message the join's catch-up must serve (null: none,
   * undefined: no bound), since every later one reaches the connection live from the room's feed, in id order.
   * `since`: the client has every message up to it.
   */
  joinRoom(connection: Connection, room: string, since?: string): Promise<string | null | undefined> {
    return this.feed.join(connection, room, since);
  }

  toRooms<E extends ServerEventName>(rooms: string | string[], event: E, payload: ServerEventMap[E], options: BroadcastOptions = {}): void {
    let operator = this.namespace.server.to(rooms);
    if (options.exceptConnection) operator = operator.except(options.exceptConnection);
    if (options.exceptUser) operator = operator.except(userChannel(options.exceptUser));
    if (options.exceptRoom) operator = operator.except(options.exceptRoom);
    (operator.emit as (event: string, payload: unknown) => boolean)(event, payload);
  }

  /** Every connection of the user, whichever rooms they joined. */
  toUser<E extends ServerEventName>(userId: string, event: E, payload: ServerEventMap[E], options: BroadcastOptions = {}): void {
    this.toRooms(userChannel(userId), event, payload, options);
  }

  toConnections<E extends ServerEventName>(connectionIds: string[], event: E, payload: ServerEventMap[E]): void {
    this.toRooms(connectionIds, event, payload);
  }

  /** The addressing channel of a user, for a broadcast to a room and a user's connections at once. */
  userAddress(userId: string): string {
    return userChannel(userId);
  }

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
    return sockets.map((socket) => ({ id: socket.id, rooms: socket.rooms, nodeId: socket.data.nodeId, connectedAt: socket.handshake.issued, transport: socket.data.transport }));
  }

  /**
   * Takes the user's connections out of the room on every node, and resolves once every node applied it:
   * its answer to a later request on the same ordered channel proves it.
   */
  async removeUserFromRoom(userId: string, room: string): Promise<void> {
    const userConnections = this.namespace.server.in(userChannel(userId));
    userConnections.socketsLeave(room);
    await userConnections.fetchSockets();
  }

  /** Every way a connection enters or leaves a chat room: join, leave, kick, disconnect. */
  onMembershipChange(listener: MembershipListener): void {
    this.namespace.onMembershipChange(listener);
  }

  /** Runs once the namespace exists: at once when it does already. */
  whenAttached(action: () => void): void {
    this.namespace.whenAttached(action);
  }

  /** Registers this node's handler of an order type that other nodes send with `orderEveryNode`. */
  onOrder<T extends NodeOrderType>(type: T, handler: NodeOrderHandler<T>): void {
    (this.orderHandlers as Record<T, NodeOrderHandler<T>>)[type] = handler;
    if (this.isListeningForOrders) return;
    this.isListeningForOrders = true;
    this.namespace.server.on(NODE_ORDER_EVENT, (...args: unknown[]) => {
      const acknowledge = typeof args.at(-1) === 'function' ? (args.pop() as () => void) : undefined;
      const [order] = args;
      void this.obey(order).catch((error: unknown) => this.logger.warn(`order ${JSON.stringify((order as { type?: unknown } | null)?.type)} failed: ${String(error)}`)).finally(() => acknowledge?.());
    });
  }

  /** Sends an order to every other node and waits for each to acknowledge it. The adapter's own wait can hang
   * when Redis cannot count the nodes, so it is bounded here as well. */
  async orderEveryNode(order: NodeOrder): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ContractError('unavailable', 'not every node confirmed the order; repeat it')), ORDER_ACK_TIMEOUT_MS);
    });
    try {
      await Promise.race([(this.namespace.server.serverSideEmitWithAck as (name: string, order: NodeOrder) => Promise<unknown>)(NODE_ORDER_EVENT, order), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** An order this node has no handler for (another node's newer build) is acknowledged, not obeyed. */
  private async obey(order: unknown): Promise<void> {
    if (!isNodeOrder(order)) throw new Error('not an order this node knows');
    await this.handle(order);
  }

  private async handle<T extends NodeOrderType>(order: NodeOrderOf<T>): Promise<void> {
    const handler = this.orderHandlers[order.type as T] as NodeOrderHandler<T> | undefined;
    if (!handler) throw new Error('no handler on this node');
    await handler(order);
  }

  /** This node's connections of a user or a token. */
  localConnections(audience: Audience): Connection[] {
    const server = this.namespace.server;
    const channel = 'userId' in audience ? userChannel(audience.userId) : tokenChannel(audience.tokenId);
    const ids = server.adapter.rooms.get(channel);
    if (!ids) return [];
    return [...ids].map((id) => server.sockets.get(id) as ChatSocket | undefined).filter((socket) => socket !== undefined).map(connectionOf);
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
