import { Logger } from '@nestjs/common';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { io as connectClient } from 'socket.io-client';
import { ChatNamespaceGateway, clientEventListener } from './chat-namespace.gateway';
import { RedisIoAdapter } from './redis-io.adapter';
import type { ChatSocket } from './chat-socket';
import { fake, userOf } from '../testing/fakes';

/** What the listener reads of a socket: its id, its user, its transport. */
const socket = fake<ChatSocket>(
  { id: 'c1', data: { user: userOf('alice'), nodeId: 'test-node', transport: 'socket.io' }, conn: fake<ChatSocket['conn']>({}) },
  'ChatSocket',
);
const INTERNAL = { ok: false, error: { code: 'internal', message: 'internal error' } };

/** Lets the listener's promise chain settle. */
const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('clientEventListener', () => {
  const logger = new Logger('Test');
  let errorsLogged: jest.SpyInstance;
  let unhandled: unknown[];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  beforeEach(() => {
    errorsLogged = jest.spyOn(logger, 'error').mockImplementation(() => undefined);
    unhandled = [];
    process.on('unhandledRejection', onUnhandled);
  });
  afterEach(() => {
    process.off('unhandledRejection', onUnhandled);
    errorsLogged.mockRestore();
  });

  it('hands the payload to the router and its answer to the ack', async () => {
    const dispatch = jest.fn(() => Promise.resolve({ ok: true as const, data: { room: 'a' } }));
    const ack = jest.fn();
    clientEventListener({ dispatch }, 'room:join', logger).call(socket, { room: 'a' }, ack);
    await settled();
    expect(dispatch).toHaveBeenCalledWith(expect.objectContaining({ id: 'c1' }), 'room:join', { room: 'a' });
    expect(ack).toHaveBeenCalledWith({ ok: true, data: { room: 'a' } });
  });

  it('answers internal and logs when the router fails, with nothing left unhandled', async () => {
    const dispatch = jest.fn(() => Promise.reject(new RangeError('Maximum call stack size exceeded')));
    const ack = jest.fn();
    clientEventListener({ dispatch }, 'room:join', logger).call(socket, { room: 'a' }, ack);
    await settled();
    expect(ack).toHaveBeenCalledWith(INTERNAL);
    expect(errorsLogged).toHaveBeenCalledWith(expect.stringContaining('RangeError'));
    expect(unhandled).toEqual([]);
  });

  it('answers internal when sending the answer fails, and only logs when that fails too', async () => {
    const dispatch = jest.fn(() => Promise.resolve({ ok: true as const, data: {} }));
    const failingOnce = jest.fn().mockImplementationOnce(() => {
      throw new Error('cannot encode');
    });
    clientEventListener({ dispatch }, 'typing', logger).call(socket, {}, failingOnce);
    await settled();
    expect(failingOnce).toHaveBeenLastCalledWith(INTERNAL);

    const alwaysFailing = jest.fn(() => {
      throw new Error('transport gone');
    });
    clientEventListener({ dispatch }, 'typing', logger).call(socket, {}, alwaysFailing);
    await settled();
    expect(alwaysFailing).toHaveBeenCalledTimes(2);
    expect(errorsLogged).toHaveBeenLastCalledWith(expect.stringContaining('transport gone'));
    expect(unhandled).toEqual([]);
  });
});

describe('per-socket listeners', () => {
  const EVENTS = ['room:join', 'message:send', 'typing'];

  /** A gateway on a real Socket.IO server: the router and the pipeline record what reaches them. */
  async function serve() {
    const dispatched: { connectionId: string; event: string; payload: unknown }[] = [];
    const closed: string[] = [];
    const router = {
      events: EVENTS,
      dispatch: jest.fn(
        async (connection: { id: string }, event: string, payload: unknown) => (
          dispatched.push({ connectionId: connection.id, event, payload }),
          { ok: true as const, data: { event } }
        ),
      ),
    };
    const pipeline = { opened: jest.fn(), closed: jest.fn((connection: { id: string }) => closed.push(connection.id)) };
    const metrics = { connectionsOver: {} };
    const gateway = new ChatNamespaceGateway(null as never, pipeline as never, metrics as never, router as never, null as never, {} as never);
    const httpServer = createServer();
    const server = new Server(httpServer);
    const sockets: ChatSocket[] = [];
    server.of('/chat').on('connection', (socket) => {
      socket.data.user = { id: `user-${sockets.length}` };
      sockets.push(socket as unknown as ChatSocket);
      gateway.handleConnection(socket as unknown as ChatSocket);
    });
    await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}/chat`;
    return { server, url, sockets, dispatched, closed };
  }

  it('binds no listener per client event: one catch-all and one close listener, the same functions on every socket', async () => {
    const { server, url, sockets, dispatched, closed } = await serve();
    const clients = [connectClient(url, { transports: ['websocket'] }), connectClient(url, { transports: ['websocket'] })];
    try {
      await Promise.all(clients.map((client) => new Promise((resolve) => client.once('connect', () => resolve(undefined)))));
      for (const socket of sockets) expect(socket.eventNames().filter((name) => EVENTS.includes(String(name)))).toEqual([]);
      expect(sockets[0].listenersAny()).toHaveLength(1);
      expect(sockets[0].listenersAny()[0]).toBe(sockets[1].listenersAny()[0]);
      expect(sockets[0].listeners('disconnect')).toEqual(sockets[1].listeners('disconnect'));

      expect(await clients[1].emitWithAck('room:join', { room: 'a' })).toEqual({ ok: true, data: { event: 'room:join' } });
      clients[0].emit('not-an-event', { x: 1 });
      expect(await clients[0].emitWithAck('typing', { room: 'a' })).toEqual({ ok: true, data: { event: 'typing' } });
      expect(dispatched).toEqual([
        { connectionId: sockets[1].id, event: 'room:join', payload: { room: 'a' } },
        { connectionId: sockets[0].id, event: 'typing', payload: { room: 'a' } },
      ]);

      clients[0].disconnect();
      await new Promise((resolve) => sockets[0].once('disconnect', resolve));
      expect(closed).toEqual([sockets[0].id]);
    } finally {
      for (const client of clients) client.disconnect();
      await server.close();
    }
  });

  it('leaves Nest no stream or closure to bind per socket', () => {
    const adapter = new RedisIoAdapter({ get: () => ({}) } as never);
    const emitter = { on: jest.fn(), once: jest.fn(), addListener: jest.fn() };
    adapter.bindMessageHandlers(emitter as never, [], (data) => data);
    (adapter.bindClientDisconnect as (client: unknown, callback: () => void) => void)(emitter, () => undefined);
    expect((adapter as unknown as { disconnectMap: WeakMap<object, unknown> }).disconnectMap.has(emitter)).toBe(false);
    expect([emitter.on, emitter.once, emitter.addListener].every((bind) => bind.mock.calls.length === 0)).toBe(true);
  });
});
