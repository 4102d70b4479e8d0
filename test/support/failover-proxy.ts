import { connect as tcpConnect, createServer, Server, Socket } from 'node:net';

export interface FailoverProxy {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * A TCP load balancer in front of several nodes, as clients meet one in production: each new connection goes
 * to the first backend that accepts it, so once a node dies its clients' reconnects land on another one.
 */
export async function startFailoverProxy(backendUrls: string[]): Promise<FailoverProxy> {
  const backends = backendUrls.map((url) => new URL(url));
  const open = new Set<Socket>();
  const server: Server = createServer((client) => {
    open.add(client);
    client.once('close', () => open.delete(client));
    client.pause();
    const tryBackend = (index: number) => {
      if (index >= backends.length) return client.destroy();
      const upstream = tcpConnect(Number(backends[index].port), backends[index].hostname);
      const refused = () => tryBackend(index + 1);
      upstream.once('error', refused);
      upstream.once('connect', () => {
        upstream.off('error', refused);
        open.add(upstream);
        upstream.once('close', () => open.delete(upstream));
        upstream.on('error', () => client.destroy());
        client.on('error', () => upstream.destroy());
        client.pipe(upstream).pipe(client);
        upstream.once('close', () => client.destroy());
        client.once('close', () => upstream.destroy());
        client.resume();
      });
    };
    tryBackend(0);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
