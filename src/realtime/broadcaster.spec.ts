import { EventEmitter } from 'node:events';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@nestjs/common';
import { Adapter } from 'socket.io-adapter';
import { Server } from 'socket.io';
import { io as connectClient, type Socket as ClientSocket } from 'socket.io-client';
import type { ServerEventMap } from '../common/contract';
import { ContractError } from '../common/contract-error';
import { fake, userOf } from '../testing/fakes';
import { Broadcaster } from './broadcaster';
import { ConnectionDirectory, type Farewell } from './connection-directory';
import { NodeOrders, type NodeOrder } from './node-orders';
import { ChatNamespace } from './chat-namespace';
import type { ChatServer, ChatSocket } from './chat-socket';
import type { RoomFeed } from './room-feed';
import { connectionOf } from './socket-connection';

/** The in-memory adapter, except that an order to the other nodes is never answered (Redis cannot count them). */
class UnansweringAdapter extends Adapter {
  override serverSideEmit(): void {}
}

interface Client {
  socket: ClientSocket;
  /** Every event it heard, in order. */
  heard: [string, unknown][];
  /** Resolves once it heard `count` events in all. */
  hearing(count: number): Promise<void>;
}

const farewell: Farewell<'session'> = { event: 'session', payload: { reason: 'revoked' } };
/** A notification whose type names it, so that a test reads who heard which. */
const notice = (type: string): ServerEventMap['notification'] => ({ type, data: null, at: 0 });

/** One node: a Socket.IO server on a free port, its `/chat` namespace behind a Broadcaster, and its clients. */
class Node {
  readonly http: HttpServer = createServer();
  readonly io: Server;
  readonly namespace: ChatServer;
  readonly broadcaster: Broadcaster;
  readonly directory: ConnectionDirectory;
  readonly orders: NodeOrders;
  readonly joins: unknown[][] = [];
  private readonly clients: ClientSocket[] = [];

  constructor(adapter?: typeof Adapter) {
    this.io = new Server(this.http, adapter ? { adapter } : {});
    this.namespace = this.io.of('/chat') as ChatServer;
    this.namespace.use((socket, next) => {
      const { user, token } = socket.handshake.auth as { user: string; token: string };
      socket.data = { user: userOf(user, { tokenId: token }), nodeId: 'node-a', transport: 'socket.io' };
      next();
    });
    const chatNamespace = new ChatNamespace();
    chatNamespace.attach(this.namespace);
    const feed = fake<RoomFeed>({ join: async (...args) => (this.joins.push(args), '5-0') }, 'RoomFeed');
    this.broadcaster = new Broadcaster(chatNamespace, feed);
    this.directory = new ConnectionDirectory(chatNamespace);
    this.orders = new NodeOrders(chatNamespace);
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.http.listen(0, '127.0.0.1', resolve));
    return this;
  }

  /** A client of `user` with token `token`, addressed as the handshake does, in `rooms`. */
  async connect(user: string, token = `${user}-token`, rooms: string[] = []): Promise<Client & { server: ChatSocket }> {
    const { port } = this.http.address() as AddressInfo;
    const socket = connectClient(`http://127.0.0.1:${port}/chat`, { transports: ['websocket'], reconnection: false, auth: { user, token } });
    this.clients.push(socket);
    const heard: [string, unknown][] = [];
    const waiters: { count: number; resolve: () => void }[] = [];
    socket.onAny((event: string, payload: unknown) => {
      heard.push([event, payload]);
      for (const waiter of waiters.filter(({ count }) => heard.length >= count)) waiter.resolve();
    });
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('connect_error', reject));
    const server = this.namespace.sockets.get(socket.id!)!;
    await server.join(rooms);
    await this.directory.address(connectionOf(server));
    const hearing = (count: number) => (heard.length >= count ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ count, resolve })));
    return { socket, server, heard, hearing };
  }

  async stop(): Promise<void> {
    for (const client of this.clients) client.disconnect();
    await this.io.close();
  }
}

/**
 * Every client hears a last marker; since a socket's events stay in order, whatever it has not heard before the
 * marker it will not hear from what was sent before.
 */
async function afterEverythingSent(clients: Client[], node: Node): Promise<[string, unknown][][]> {
  const counts = clients.map(({ heard }) => heard.length + 1);
  node.broadcaster.toConnections(
    clients.map(({ socket }) => socket.id!),
    'notification',
    notice('marker'),
  );
  await Promise.all(clients.map((client, index) => client.hearing(counts[index])));
  return clients.map(({ heard }) => heard.slice(0, -1));
}

const END_ALICE: NodeOrder = {
  type: 'session:end',
  audience: { userId: 'alice' },
  cause: 'banned',
  farewell: { event: 'session', payload: { reason: 'revoked' } },
};

/** What the adapter does with an order from another node: the namespace's listeners of it run, an acknowledgement last. */
function receiveOrder(node: Node, order: NodeOrder, acknowledge: () => void): void {
  const listeners = EventEmitter.prototype.listeners.call(node.namespace, 'node:order') as ((...args: unknown[]) => void)[];
  for (const listener of listeners) listener(order, acknowledge);
}

const disconnected = (client: Client) => new Promise<string>((resolve) => client.socket.once('disconnect', resolve));

describe('Broadcaster, ConnectionDirectory and NodeOrders over one Socket.IO server', () => {
  let node: Node;
  beforeEach(async () => (node = await new Node().start()));
  afterEach(() => node.stop());

  it('sends to the members of a room, except the connection, user or room it is told to leave out', async () => {
    const alice = await node.connect('alice', 'a1', ['general']);
    const aliceToo = await node.connect('alice', 'a2', ['general']);
    const bob = await node.connect('bob', 'b1', ['general', 'team']);
    const carol = await node.connect('carol', 'c1', ['general']);
    const outsider = await node.connect('dave', 'd1', ['random']);
    const { broadcaster } = node;

    broadcaster.toRooms('general', 'notification', notice('everyone'));
    broadcaster.toRooms('general', 'notification', notice('not the sender'), { exceptConnection: alice.socket.id });
    broadcaster.toRooms('general', 'notification', notice('not alice'), { exceptUser: 'alice' });
    broadcaster.toRooms('general', 'notification', notice('not the team'), { exceptRoom: 'team' });
    broadcaster.toRooms(['random', 'team'], 'notification', notice('two rooms'));

    const texts = (await afterEverythingSent([alice, aliceToo, bob, carol, outsider], node)).map((heard) =>
      heard.map(([, payload]) => (payload as { type: string }).type),
    );
    expect(texts).toEqual([
      ['everyone', 'not the team'],
      ['everyone', 'not the sender', 'not the team'],
      ['everyone', 'not the sender', 'not alice', 'two rooms'],
      ['everyone', 'not the sender', 'not alice', 'not the team'],
      ['two rooms'],
    ]);
  });

  it('reaches every connection of a user, whatever their rooms, and single connections by id', async () => {
    const alice = await node.connect('alice', 'a1', ['general']);
    const aliceToo = await node.connect('alice', 'a2');
    const bob = await node.connect('bob', 'b1', ['general']);
    node.broadcaster.toUser('alice', 'notification', notice('to alice'));
    node.broadcaster.toUser('alice', 'notification', notice('to alice but this one'), { exceptConnection: aliceToo.socket.id });
    node.broadcaster.toConnections([bob.socket.id!, aliceToo.socket.id!], 'notification', notice('to two'));
    node.broadcaster.toRooms([node.broadcaster.userAddress('bob'), 'general'], 'notification', notice('bob and the room'));

    const texts = (await afterEverythingSent([alice, aliceToo, bob], node)).map((heard) => heard.map(([, payload]) => (payload as { type: string }).type));
    expect(texts).toEqual([
      ['to alice', 'to alice but this one', 'bob and the room'],
      ['to alice', 'to two'],
      ['to two', 'bob and the room'],
    ]);
  });

  it("finds this node's connections by user and by token, and readdresses one whose token changed", async () => {
    const first = await node.connect('alice', 'a1');
    const second = await node.connect('alice', 'a2');
    await node.connect('bob', 'b1');
    const ids = (connections: { id: string }[]) => connections.map(({ id }) => id).sort();

    expect(ids(node.directory.localConnections({ userId: 'alice' }))).toEqual([first.socket.id, second.socket.id].sort());
    expect(ids(node.directory.localConnections({ tokenId: 'a2' }))).toEqual([second.socket.id]);
    expect(node.directory.localConnections({ userId: 'nobody' })).toEqual([]);
    expect(node.directory.allLocalConnections()).toHaveLength(3);

    const connection = connectionOf(second.server);
    connection.user = userOf('alice', { tokenId: 'a3' });
    await node.directory.address(connection, 'a2');
    expect(node.directory.localConnections({ tokenId: 'a2' })).toEqual([]);
    expect(ids(node.directory.localConnections({ tokenId: 'a3' }))).toEqual([second.socket.id]);
    expect(ids(node.directory.localConnections({ userId: 'alice' }))).toHaveLength(2);
  });

  it("answers a user's connections with where and since when they are, and takes them out of a room", async () => {
    const alice = await node.connect('alice', 'a1', ['general', 'random']);
    const bob = await node.connect('bob', 'b1', ['general']);
    const [found] = await node.directory.connectionsOf('alice');
    expect(found).toEqual({
      id: alice.socket.id,
      rooms: new Set([alice.socket.id, 'general', 'random', '~user:alice', '~token:a1']),
      nodeId: 'node-a',
      connectedAt: alice.server.handshake.issued,
      transport: 'socket.io',
    });

    await node.broadcaster.removeUserFromRoom('alice', 'general');
    expect([...alice.server.rooms]).not.toContain('general');
    expect([...alice.server.rooms]).toContain('random');
    expect([...bob.server.rooms]).toContain('general');
  });

  it("joins a room through the room's feed and answers its catch-up bound", async () => {
    const alice = await node.connect('alice');
    const connection = connectionOf(alice.server);
    await expect(node.broadcaster.joinRoom(connection, 'general', '3-0')).resolves.toBe('5-0');
    expect(node.joins).toEqual([[connection, 'general', '3-0']]);
  });

  it('tells a connection why before disconnecting it, and ignores one already gone', async () => {
    const alice = await node.connect('alice');
    const bob = await node.connect('bob');
    const reason = disconnected(alice);
    node.directory.disconnect(connectionOf(alice.server), farewell);
    expect(await reason).toBe('io server disconnect');
    expect(alice.heard).toEqual([['session', { reason: 'revoked' }]]);

    expect(() => node.directory.disconnect(connectionOf(alice.server), farewell)).not.toThrow();
    expect(await afterEverythingSent([bob], node)).toEqual([[]]);
  });

  it('drops every local connection with the farewell first, and answers how many', async () => {
    const clients = await Promise.all(['alice', 'bob', 'carol'].map((user) => node.connect(user)));
    const reasons = Promise.all(clients.map(disconnected));
    await expect(node.directory.dropAllLocal(farewell)).resolves.toBe(3);
    expect(await reasons).toEqual(['transport close', 'transport close', 'transport close']);
    for (const client of clients) expect(client.heard).toEqual([['session', { reason: 'revoked' }]]);
    await expect(node.directory.dropAllLocal(farewell)).resolves.toBe(0);
  });

  it('spreads the drop over the time it is given: one slice at once, the others later', async () => {
    const clients = await Promise.all(['alice', 'bob', 'carol', 'dave'].map((user) => node.connect(user)));
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    try {
      const dropped = node.directory.dropAllLocal(farewell, 40);
      // 40 ms allow two slices of 20 ms: two connections now, two after 20 ms
      await Promise.all(clients.slice(0, 2).map(disconnected));
      // the others keep receiving until their turn, and hear the farewell only then
      expect(clients.slice(2).map(({ socket, heard }) => [socket.connected, heard])).toEqual([
        [true, []],
        [true, []],
      ]);
      await jest.advanceTimersByTimeAsync(20);
      await expect(dropped).resolves.toBe(4);
      await Promise.all(
        clients
          .slice(2)
          .filter(({ socket }) => socket.connected)
          .map(disconnected),
      );
      expect(clients.map(({ heard }) => heard)).toEqual(clients.map(() => [['session', { reason: 'revoked' }]]));
    } finally {
      jest.useRealTimers();
    }
  });

  it("acknowledges another node's order once this node's handler finished, and when it failed too", async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const handled: NodeOrder[] = [];
    let isFailing = false;
    node.orders.onOrder('session:end', async (order) => {
      if (isFailing) throw new Error('no such session');
      handled.push(order);
    });
    const acknowledged: string[] = [];

    receiveOrder(node, END_ALICE, () => acknowledged.push('first'));
    await new Promise((resolve) => setImmediate(resolve));
    isFailing = true;
    receiveOrder(node, END_ALICE, () => acknowledged.push('second'));
    await new Promise((resolve) => setImmediate(resolve));

    expect(handled).toEqual([END_ALICE]);
    expect(acknowledged).toEqual(['first', 'second']);
    expect(warn).toHaveBeenCalledWith('order "session:end" failed: Error: no such session');
    warn.mockRestore();
  });

  it('answers unavailable when not every node acknowledged an order within 4 s', async () => {
    const hanging = await new Node(UnansweringAdapter).start();
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    try {
      let outcome: unknown = 'pending';
      void hanging.orders.orderEveryNode(END_ALICE).then(
        () => (outcome = 'resolved'),
        (error: unknown) => (outcome = error),
      );
      await jest.advanceTimersByTimeAsync(3999);
      expect(outcome).toBe('pending');
      await jest.advanceTimersByTimeAsync(1);
      expect(outcome).toBeInstanceOf(ContractError);
      expect(outcome).toMatchObject({ code: 'unavailable' });
    } finally {
      jest.useRealTimers();
      await hanging.stop();
    }
  });
});
