import { Logger } from '@nestjs/common';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { io as connectClient } from 'socket.io-client';
import { clientEventListener, renameSocket } from './chat-namespace.gateway';
import type { ChatServer, ChatSocket } from './chat-socket';
import { fake, userOf } from '../testing/fakes';

/** What the listener reads of a socket: its id, its user, its transport. */
const socket = fake<ChatSocket>({ id: 'c1', data: { user: userOf('alice'), nodeId: 'test-node', transport: 'socket.io' }, conn: fake<ChatSocket['conn']>({}) }, 'ChatSocket');
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

describe('renameSocket', () => {
  it('leaves no socket behind among those being admitted, whether the middleware admits or refuses it', async () => {
    const httpServer = createServer();
    const server = new Server(httpServer);
    const namespace = server.of('/chat') as ChatServer;
    namespace.use((socket, next) => {
      renameSocket(socket, `~c:${socket.id}`);
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
