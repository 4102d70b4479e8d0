import type { AuthUser } from '../common/auth-user';
import type { Connection } from '../common/connection';
import type { ServerEventMap, ServerEventName } from '../common/contract';
import type { AppEventMap, AppEventName } from '../events/app-events';
import type { AppEvents } from '../events/app-events.service';
import type { BroadcastOptions, Broadcaster } from '../realtime/broadcaster';
import type { Audience, ConnectionDirectory, Farewell, RemoteConnection } from '../realtime/connection-directory';
import type { NodeOrder, NodeOrders } from '../realtime/node-orders';
import type { MembershipListener } from '../realtime/chat-namespace';

/**
 * Properties that jest, Node and promise resolution probe on any value they are handed (is it a thenable, an
 * asymmetric matcher, a React element, a DOM node?): a fake answers them with `undefined`, like a plain object.
 */
const PROBED_BY_TOOLS = new Set([
  'then',
  'asymmetricMatch',
  '$$typeof',
  'nodeType',
  'toJSON',
  '_isMockFunction',
  '@@__IMMUTABLE_ITERABLE__@@',
  '@@__IMMUTABLE_RECORD__@@',
]);

/**
 * A stand-in for an instance of `T` (a class or an interface) with only the members a test gives it, typed
 * against `T`: a member whose signature drifts from the real one fails the type check. Using a member the test
 * did not give throws an error that names it, instead of an `undefined is not a function` deep inside the code
 * under test. Members are read from `members` itself, so a test may change them later (`fake.grant = ...`).
 * Meant for collaborators (services, repositories, sockets); plain data whose optional members may be absent,
 * such as a slice of the config, is a plain object.
 */
export function fake<T extends object>(members: Partial<T> = {}, name = 'fake'): T {
  return new Proxy(members, {
    get(target, property, receiver) {
      if (property in target || typeof property === 'symbol' || PROBED_BY_TOOLS.has(property)) return Reflect.get(target, property, receiver);
      throw new Error(`${name}.${property} is used by the code under test but the test's fake does not provide it`);
    },
  }) as T;
}

export function userOf(id: string, fields: Partial<AuthUser> = {}): AuthUser {
  return { id, name: id[0].toUpperCase() + id.slice(1), roles: [], tokenId: `token-of-${id}`, expiresAtSec: Math.floor(Date.now() / 1000) + 3600, ...fields };
}

/** A connection held in memory; `join` and `leave` report to the fake broadcaster's membership listeners. */
export class FakeConnection implements Connection {
  readonly transport = 'socket.io';
  readonly rooms = new Set<string>();
  readonly nodeId = 'test-node';
  readonly connectedAt = Date.now();
  isConnected = true;

  constructor(
    readonly id: string,
    public user: AuthUser,
    rooms: string[] = [],
    private readonly broadcaster?: FakeBroadcaster,
  ) {
    for (const room of rooms) this.rooms.add(room);
  }

  join(rooms: string | string[]): void {
    for (const room of ([] as string[]).concat(rooms)) {
      if (this.rooms.has(room)) continue;
      this.rooms.add(room);
      this.broadcaster?.reportMembership(room, this, 1);
    }
  }

  leave(room: string): void {
    if (!this.rooms.delete(room)) return;
    this.broadcaster?.reportMembership(room, this, -1);
  }
}

export interface Sent {
  to: string[];
  event: ServerEventName;
  payload: unknown;
  options?: BroadcastOptions;
}

/**
 * Records what services send; the cross-node parts answer from the connections it was given. One fake stands for
 * the three surfaces of realtime/ (`Broadcaster`, `ConnectionDirectory`, `NodeOrders`), which share its connections.
 */
export class FakeBroadcaster {
  readonly sent: Sent[] = [];
  readonly disconnected: { id: string; farewell: Farewell }[] = [];
  readonly removedFromRoom: { userId: string; room: string }[] = [];
  readonly orders: NodeOrder[] = [];
  readonly connections: FakeConnection[] = [];
  private readonly membershipListeners: MembershipListener[] = [];

  asBroadcaster(): Broadcaster {
    return fake<Broadcaster>(this, 'FakeBroadcaster');
  }

  asConnections(): ConnectionDirectory {
    return fake<ConnectionDirectory>(this, 'FakeBroadcaster');
  }

  asOrders(): NodeOrders {
    return fake<NodeOrders>(this, 'FakeBroadcaster');
  }

  connect(id: string, user: AuthUser, rooms: string[] = []): FakeConnection {
    const connection = new FakeConnection(id, user, [], this);
    this.connections.push(connection);
    connection.join(rooms);
    return connection;
  }

  reportMembership(room: string, connection: Connection, delta: 1 | -1): void {
    for (const listener of this.membershipListeners) listener(room, connection, delta);
  }

  /** No feed here: the join's reads are not bounded. */
  async joinRoom(connection: Connection, room: string): Promise<undefined> {
    await connection.join(room);
    return undefined;
  }

  toRooms<E extends ServerEventName>(rooms: string | string[], event: E, payload: ServerEventMap[E], options?: BroadcastOptions): void {
    this.sent.push({ to: ([] as string[]).concat(rooms), event, payload, ...(options ? { options } : {}) });
  }

  toUser<E extends ServerEventName>(userId: string, event: E, payload: ServerEventMap[E], options?: BroadcastOptions): void {
    this.toRooms(this.userAddress(userId), event, payload, options);
  }

  toConnections<E extends ServerEventName>(connectionIds: string[], event: E, payload: ServerEventMap[E]): void {
    this.toRooms(connectionIds, event, payload);
  }

  userAddress(userId: string): string {
    return `~user:${userId}`;
  }

  async address(): Promise<void> {}

  async connectionsOf(userId: string): Promise<RemoteConnection[]> {
    return this.connections.filter((connection) => connection.user.id === userId && connection.isConnected);
  }

  async removeUserFromRoom(userId: string, room: string): Promise<void> {
    this.removedFromRoom.push({ userId, room });
    for (const connection of await this.connectionsOf(userId)) (connection as FakeConnection).leave(room);
  }

  onMembershipChange(listener: MembershipListener): void {
    this.membershipListeners.push(listener);
  }

  whenAttached(action: () => void): void {
    action();
  }

  onOrder(): void {}

  async orderEveryNode(order: NodeOrder): Promise<void> {
    this.orders.push(order);
  }

  localConnections(audience: Audience): Connection[] {
    return this.connections.filter(
      (connection) => connection.isConnected && ('userId' in audience ? connection.user.id === audience.userId : connection.user.tokenId === audience.tokenId),
    );
  }

  allLocalConnections(): Connection[] {
    return this.connections.filter((connection) => connection.isConnected);
  }

  disconnect(connection: Connection, farewell: Farewell): void {
    this.disconnected.push({ id: connection.id, farewell });
    (connection as FakeConnection).isConnected = false;
  }

  async dropAllLocal(): Promise<number> {
    return this.connections.length;
  }
}

/** Records domain events instead of delivering them. */
export class FakeAppEvents {
  readonly emitted: { event: AppEventName; payload: unknown }[] = [];

  asAppEvents(): AppEvents {
    return fake<AppEvents>(this, 'FakeAppEvents');
  }

  async emit<E extends AppEventName>(event: E, payload: AppEventMap[E]): Promise<void> {
    this.emitted.push({ event, payload });
  }
}
