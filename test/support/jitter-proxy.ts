import { connect as tcpConnect, createServer, Server, Socket } from 'node:net';

export interface JitterProxy {
  /** One URL per backend, in the order given: a connection to `urls[i]` is piped to the i-th backend. */
  readonly urls: string[];
  /** Cuts one open client connection chosen at random (both of its TCP legs); false when none is open. */
  cutRandom(): boolean;
  close(): Promise<void>;
}

/**
 * A TCP proxy in front of each backend that can cut a client's connection as a flaky network does: the client
 * sees its transport close (no close frame), the node sees the socket end. A WebSocket client holds one TCP
 * connection, so cutting a random open connection cuts a random connected client.
 */
export async function startJitterProxy(backendUrls: string[]): Promise<JitterProxy> {
  const open = new Set<Socket>();
  const servers: Server[] = [];
  const everySocket = new Set<Socket>();
  const track = (socket: Socket) => {
    everySocket.add(socket);
    socket.once('close', () => everySocket.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  for (const backendUrl of backendUrls) {
    const backend = new URL(backendUrl);
    const server = createServer((client) => {
      track(client);
      client.pause();
      const upstream = tcpConnect(Number(backend.port), backend.hostname);
      track(upstream);
      upstream.once('connect', () => {
        client.pipe(upstream).pipe(client);
        client.resume();
        open.add(client);
      });
      client.once('close', () => {
        open.delete(client);
        upstream.destroy();
      });
      upstream.once('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
  }
  return {
    urls: servers.map((server) => `http://127.0.0.1:${(server.address() as { port: number }).port}`),
    cutRandom: () => {
      const connections = [...open];
      if (connections.length === 0) return false;
      connections[Math.floor(Math.random() * connections.length)].destroy();
      return true;
    },
    close: async () => {
      for (const socket of everySocket) socket.destroy();
      await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    },
  };
}

export interface CuttingReport {
  /** Ticks of the rhythm, each of which tried to cut a connection. */
  ticks: number;
  /** Connections actually cut (a tick finds none open while every client reconnects). */
  cuts: number;
}

/**
 * Cuts a random connection every `meanIntervalMs` on average (uniformly between half and one and a half of it),
 * `ticks` times or until `maxMs` passed, whichever comes first; then stops by itself. `onTick` runs after each
 * tick, so that a test can pace other work on the cutting.
 */
export function cutRepeatedly(
  proxy: JitterProxy,
  { meanIntervalMs, ticks, maxMs, onTick }: { meanIntervalMs: number; ticks: number; maxMs: number; onTick?: (report: CuttingReport) => void },
): Promise<CuttingReport> {
  const report: CuttingReport = { ticks: 0, cuts: 0 };
  const deadline = Date.now() + maxMs;
  return new Promise((resolve) => {
    const tick = () => {
      report.ticks += 1;
      if (proxy.cutRandom()) report.cuts += 1;
      onTick?.(report);
      if (report.ticks >= ticks || Date.now() >= deadline) return resolve(report);
      setTimeout(tick, meanIntervalMs * (0.5 + Math.random()));
    };
    setTimeout(tick, meanIntervalMs * (0.5 + Math.random()));
  });
}
