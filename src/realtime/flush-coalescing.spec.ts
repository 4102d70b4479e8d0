import { createServer } from 'node:http';
import type { AddressInfo, Socket as TcpSocket } from 'node:net';
import { Server, Socket } from 'socket.io';
import { io as connectClient } from 'socket.io-client';
import { coalesceFlushedFrames } from './flush-coalescing';

/** A server whose first connection's TCP writes are counted; `coalesce` installs the hook under test. */
async function serve(coalesce: boolean) {
  const httpServer = createServer();
  const server = new Server(httpServer);
  if (coalesce) coalesceFlushedFrames(server.engine);
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const connected = new Promise<Socket>((resolve) => server.on('connection', resolve));
  const client = connectClient(`http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`, { transports: ['websocket'] });
  const socket = await connected;
  const tcp = (socket.conn.transport as unknown as { socket: { _socket: TcpSocket } }).socket._socket;
  const writes = { count: 0 };
  for (const method of ['_write', '_writev'] as const) {
    const original = tcp[method]!.bind(tcp) as (...args: unknown[]) => void;
    (tcp as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
      writes.count += 1;
      original(...args);
    };
  }
  return { server, client, socket, writes };
}

/** Emits a packet, then 30 more while its write is under way: engine.io queues those and flushes them together. */
async function burst(coalesce: boolean): Promise<{ writes: number; received: number[] }> {
  const { server, client, socket, writes } = await serve(coalesce);
  try {
    const received: number[] = [];
    const all = new Promise<void>((resolve) => client.on('n', (n: number) => (received.push(n), n === 30 && resolve())));
    for (let n = 0; n <= 30; n++) socket.emit('n', n);
    await all;
    return { writes: writes.count, received };
  } finally {
    client.disconnect();
    await server.close();
  }
}

describe('coalesceFlushedFrames', () => {
  it('writes the packets queued behind a write in one system call, all of them, in order', async () => {
    const { writes, received } = await burst(true);
    expect(received).toEqual(Array.from({ length: 31 }, (_, n) => n));
    // the first packet goes out at once; the 30 queued behind it in one write
    expect(writes).toBe(2);
  });

  it('is what makes the difference: without it each queued packet is a write of its own', async () => {
    const { writes, received } = await burst(false);
    expect(received).toHaveLength(31);
    expect(writes).toBeGreaterThan(30);
  });
});
