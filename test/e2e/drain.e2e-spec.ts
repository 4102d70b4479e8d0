import type { Socket } from 'socket.io-client';
import { connect } from '../support/clients';
import { startNode, timeoutForNodeStarts } from '../support/nodes';
import { useCluster } from '../support/scenario';
import { makeToken } from '../support/tokens';

const CONNECTIONS = 200;
const DRAIN_SPREAD_MS = 3000;
const SHUTDOWN_TIMEOUT_MS = 8000;
const CONNECT_BATCH = 20;

interface Departure {
  /** When the client heard `session`, and when its transport closed, in ms after SIGTERM. */
  noticeAt?: number;
  notice?: unknown;
  closedAt: number;
}

/** Resolves when the socket's transport is gone, with when it heard `session` and when it closed. */
function departure(socket: Socket, since: () => number): Promise<Departure> {
  let notice: { at: number; payload: unknown } | undefined;
  socket.once('session', (payload: unknown) => (notice = { at: since(), payload }));
  return new Promise((resolve) => socket.once('disconnect', () => resolve({ noticeAt: notice?.at, notice: notice?.payload, closedAt: since() })));
}

/**
 * Draining: a node asked to stop closes its connections spread over DRAIN_SPREAD_MS, each told `session
 * { reason: "shutdown" }` first, so that the rest of the cluster takes the reconnections gradually; and it still
 * exits within SHUTDOWN_TIMEOUT_MS.
 */
describe('drain spread', () => {
  const cluster = useCluster(0);

  it(
    `closes ${CONNECTIONS} connections spread over DRAIN_SPREAD_MS (${DRAIN_SPREAD_MS} ms), each after its session notice, and exits 0 within SHUTDOWN_TIMEOUT_MS`,
    async () => {
      const node = await startNode({
        REDIS_URL: cluster.redis.url,
        NODE_ID: 'draining',
        DRAIN_SPREAD_MS: String(DRAIN_SPREAD_MS),
        SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
        THROTTLE_WS_LIMIT: '0',
      });
      const sockets: Socket[] = [];
      for (let i = 0; i < CONNECTIONS; i += CONNECT_BATCH) {
        sockets.push(
          ...(await Promise.all(Array.from({ length: CONNECT_BATCH }, (_, j) => connect(node.url, { token: makeToken({ sub: `drained-${i + j}` }) })))),
        );
      }
      let signalledAt = 0;
      const since = () => Date.now() - signalledAt;
      const departures = Promise.all(sockets.map((socket) => departure(socket, since)));

      signalledAt = Date.now();
      const exitCode = await node.stop('SIGTERM');
      const exitedAfterMs = since();
      const all = await departures;

      expect(exitCode).toBe(0);
      expect(exitedAfterMs).toBeLessThan(SHUTDOWN_TIMEOUT_MS);
      for (const { notice, noticeAt, closedAt } of all) {
        expect(notice).toEqual({ reason: 'shutdown' });
        expect(noticeAt).toBeLessThanOrEqual(closedAt);
      }
      const closes = all.map((d) => d.closedAt).sort((a, b) => a - b);
      const span = closes[closes.length - 1] - closes[0];
      // a wave would close them all within a few milliseconds; a spread leaves no tenth of it with a crowd
      const tenth = DRAIN_SPREAD_MS / 10;
      const crowdedest = Math.max(...closes.map((start) => closes.filter((at) => at >= start && at < start + tenth).length));
      console.log(
        `drain: ${CONNECTIONS} connections closed from ${closes[0]} to ${closes[closes.length - 1]} ms after SIGTERM (span ${span} ms, ` +
          `DRAIN_SPREAD_MS ${DRAIN_SPREAD_MS}); at most ${crowdedest} within any ${tenth} ms; exit 0 after ${exitedAfterMs} ms`,
      );
      expect(span).toBeGreaterThanOrEqual(DRAIN_SPREAD_MS / 2);
      expect(crowdedest).toBeLessThanOrEqual(CONNECTIONS / 4);
    },
    timeoutForNodeStarts(1) + 60_000,
  );
});
