import { createServer } from 'node:net';

/** Redis Cluster members talk to each other on their port plus this offset. */
const CLUSTER_BUS_OFFSET = 10_000;
const HIGHEST_PORT = 65_535;

/** A port that was free a moment ago on loopback. */
export function freePort(): Promise<number> {
  return listenBriefly(0) as Promise<number>;
}

/**
 * A port for a Redis Cluster member: free on loopback, and so is its cluster bus port (port + 10000), which
 * must exist too (redis-server refuses a cluster port above 55535). Ephemeral ports often sit above that.
 */
export async function freeClusterPort(): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (port + CLUSTER_BUS_OFFSET <= HIGHEST_PORT && (await listenBriefly(port + CLUSTER_BUS_OFFSET)) !== undefined) return port;
  }
}

/** Listens on `port` (0: any) on loopback and closes again: the port it got, or undefined when it was taken. */
function listenBriefly(port: number): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => (port !== 0 && error.code === 'EADDRINUSE' ? resolve(undefined) : reject(error)));
    server.listen(port, '127.0.0.1', () => {
      const bound = (server.address() as { port: number }).port;
      server.close(() => resolve(bound));
    });
  });
}

/** Files run in parallel: a port free a moment ago may be taken by another file's process before ours binds it. */
export const PORT_ATTEMPTS = 3;

/** Whether a start failed because its port was taken: a listen error, or a process that printed as much before exiting. */
export function isPortTaken(error: unknown): boolean {
  const { code, message } = error as { code?: string; message?: string };
  return code === 'EADDRINUSE' || /EADDRINUSE|address already in use/i.test(message ?? '');
}

/**
 * Runs `start` on a port `pick` found free (a loopback port by default; or several), and again on others when
 * one was taken meanwhile; any other failure, or a taken port on the last of `PORT_ATTEMPTS`, is thrown.
 */
export async function onFreePort<T, P = number>(start: (port: P) => Promise<T>, pick: () => Promise<P> = freePort as unknown as () => Promise<P>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const port = await pick();
    try {
      return await start(port);
    } catch (error) {
      if (attempt === PORT_ATTEMPTS || !isPortTaken(error)) throw error;
    }
  }
}
