import { connect as tcpConnect, createServer, Server, Socket } from 'node:net';

export interface FailoverProxy {
  readonly url: string;
  /** New connections wait (accepted, not routed) until `release`: a client's reconnect is held back. */
  hold(): void;
  release(): void;
  /** Drops every connection it carries and holds new ones until `release`: the backends vanish for its clients. */
  cut(): void;
  close(): Promise<void>;
}

/**
 * A TCP load balancer in front of several nodes, as clients meet one in production: each new connection goes
 * to the first backend that accepts it, so once a node dies its clients' reconnects land on another one.
 */
export async function startFailoverProxy(backendUrls: string[]): Promise<FailoverProxy> {
  const backends = backendUrls.map((url) => new URL(url));
  const open = new Set<Socket>();
  let held: (() => void)[] | undefined;
  const server: Server = createServer((client) => {
    open.add(client);
    client.once('close', () => open.delete(client));
    client.on('error', () => client.destroy());
    client.pause();
    if (held) held.push(() => route(client));
    else route(client);
  });
  const route = (client: Socket) => {
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
        client.pipe(upstream).pipe(client);
        upstream.once('close', () => client.destroy());
        client.once('close', () => upstream.destroy());
        client.resume();
      });
    };
    tryBackend(0);
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    hold: () => {
      held ??= [];
    },
    cut: () => {
      held ??= [];
      for (const socket of open) socket.destroy();
    },
    release: () => {
      const waiting = held ?? [];
      held = undefined;
      for (const routeWaiting of waiting) routeWaiting();
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
