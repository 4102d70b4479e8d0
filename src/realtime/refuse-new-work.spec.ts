import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { io as connectClient, type Socket as ClientSocket } from 'socket.io-client';
import type { ChatNamespace } from './chat-namespace';
import type { ChatSocket } from './chat-socket';
import { refuseNewWork } from './refuse-new-work';

const UNAVAILABLE = { code: 'unavailable', message: 'the node is shutting down' } as const;

describe('refuseNewWork', () => {
  let server: Server;
  let url: string;
  const clients: ClientSocket[] = [];
  const handled: string[] = [];

  beforeEach(async () => {
    handled.length = 0;
    const httpServer = createServer();
    server = new Server(httpServer);
    // client events reach the router as the gateway binds them: through one catch-all listener per socket
    server.of('/chat').on('connection', (socket) =>
      socket.onAny((event: string, ...args: unknown[]) => {
        handled.push(event);
        const ack = args.at(-1);
        if (typeof ack === 'function') (ack as (answer: unknown) => void)({ ok: true, data: {} });
      }),
    );
    await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}/chat`;
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.disconnect();
    await server.close();
  });

  const connected = async () => {
    const client = connectClient(url, { transports: ['websocket'], reconnection: false });
    clients.push(client);
    await new Promise((resolve, reject) => client.once('connect', () => resolve(undefined)).once('connect_error', reject));
    return client;
  };

  it('answers every later event of a connected client with the error, without handling it', async () => {
    const client = await connected();
    expect(await client.emitWithAck('message:send', { room: 'r', content: 'before' })).toEqual({ ok: true, data: {} });

    refuseNewWork({ server: server.of('/chat') } as unknown as ChatNamespace, UNAVAILABLE);

    expect(await client.emitWithAck('message:send', { room: 'r', content: 'after' })).toEqual({ ok: false, error: UNAVAILABLE });
    expect(handled).toEqual(['message:send']);
    const [socket] = [...server.of('/chat').sockets.values()] as ChatSocket[];
    expect(socket.listenersAny()).toHaveLength(1);
  });

  it('refuses new handshakes with the error', async () => {
    refuseNewWork({ server: server.of('/chat') } as unknown as ChatNamespace, UNAVAILABLE);
    await expect(connected()).rejects.toMatchObject({ message: 'unavailable', data: UNAVAILABLE });
  });
});
