import { INestApplication, Logger } from '@nestjs/common';
import type { Server } from 'node:http';
import { ServerEvent } from '../common/contract';
import { ContractError } from '../common/contract-error';
import type { AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { ConnectionDirectory } from '../realtime/connection-directory';
import { ChatNamespace } from '../realtime/chat-namespace';
import { refuseNewWork } from '../realtime/refuse-new-work';
import { EmbeddedRedis } from '../redis/embedded-redis';
import { LifecycleState } from './lifecycle.module';

const IN_FLIGHT_POLL_MS = 20;
/** The share of SHUTDOWN_TIMEOUT_MS a drain's spread never takes: what is left to close the server and Redis. */
const CLOSING_RESERVE = 0.25;

const shuttingDown = () => new ContractError('unavailable', 'this node is shutting down; nothing was stored; retry on another node');

/**
 * SIGTERM / SIGINT: stop accepting (connections, and events, which are answered `unavailable`), answer
 * what is in flight, tell every client `session: shutdown` and drop its transport (clients reconnect to
 * another node) spread over DRAIN_SPREAD_MS, close Redis, stop an embedded redis-server, exit 0. Refusing new events is what lets the
 * in-flight count reach zero under sustained load. A hard deadline makes sure the process never outlives
 * its orchestrator's patience.
 */
export function installGracefulShutdown(app: INestApplication, config: AppConfig, embeddedRedis?: EmbeddedRedis): void {
  const logger = new Logger('Shutdown');
  let started = false;
  const shutdown = async (signal: string) => {
    if (started) return;
    started = true;
    const startedAt = Date.now();
    const deadline = setTimeout(() => {
      logger.error(`shutdown took longer than ${config.shutdownTimeoutMs} ms; exiting anyway`);
      process.exit(1);
    }, config.shutdownTimeoutMs);
    deadline.unref();
    logger.log(`${signal}: draining`);
    app.get(LifecycleState).draining = true;
    (app.getHttpServer() as Server).close();
    refuseNewWork(app.get(ChatNamespace), shuttingDown().toBody());
    const settled = await waitForInFlightEvents(app.get(MetricsService), config.shutdownTimeoutMs / 2);
    if (!settled) logger.warn(`${app.get(MetricsService).eventsInFlight} events still in flight; closing anyway`);
    const spreadMs = drainSpreadMs(config, Date.now() - startedAt);
    if (spreadMs < config.drainSpreadMs)
      logger.warn(
        `closing connections over ${spreadMs} ms, not DRAIN_SPREAD_MS (${config.drainSpreadMs}): the rest of SHUTDOWN_TIMEOUT_MS is for closing Redis`,
      );
    const ended = await app.get(ConnectionDirectory).dropAllLocal({ event: ServerEvent.Session, payload: { reason: 'shutdown' } }, spreadMs);
    logger.log(`told ${ended} connections to reconnect elsewhere, over ${spreadMs} ms`);
    await app.close();
    await embeddedRedis?.stop();
    logger.log('stopped');
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

async function waitForInFlightEvents(metrics: MetricsService, maxWaitMs: number): Promise<boolean> {
  const giveUpAt = Date.now() + maxWaitMs;
  while (metrics.eventsInFlight > 0 && Date.now() < giveUpAt) {
    await new Promise((resolve) => setTimeout(resolve, IN_FLIGHT_POLL_MS));
  }
  return metrics.eventsInFlight === 0;
}

/**
 * How long the closes of a drain are spread: DRAIN_SPREAD_MS, unless that would not leave a quarter of
 * SHUTDOWN_TIMEOUT_MS, after what the shutdown spent already (waiting for events in flight), to close the server
 * and Redis before the deadline. Clamped rather than refused at start-up: the in-flight wait is known only now.
 */
export function drainSpreadMs(config: Pick<AppConfig, 'drainSpreadMs' | 'shutdownTimeoutMs'>, elapsedMs: number): number {
  return Math.max(0, Math.min(config.drainSpreadMs, Math.floor(config.shutdownTimeoutMs * (1 - CLOSING_RESERVE)) - elapsedMs));
}
