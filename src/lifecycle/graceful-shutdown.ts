import { INestApplication, Logger } from '@nestjs/common';
import type { Server } from 'node:http';
import type { Namespace, Socket } from 'socket.io';
import { SessionService } from '../auth/session.service';
import { ContractError } from '../common/contract-error';
import type { AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { ChatNamespace } from '../realtime/chat-namespace';
import { EmbeddedRedis } from '../redis/embedded-redis';
import { LifecycleState } from './lifecycle.module';

const IN_FLIGHT_POLL_MS = 20;

const shuttingDown = () => new ContractError('unavailable', 'this node is shutting down; nothing was stored; retry on another node');

/**
 * SIGTERM / SIGINT: stop accepting (connections, and events, which are answered `unavailable`), answer
 * what is in flight, tell every client `session: shutdown` and drop its transport (clients reconnect to
 * another node), close Redis, stop an embedded redis-server, exit 0. Refusing new events is what lets the
 * in-flight count reach zero under sustained load. A hard deadline makes sure the process never outlives
 * its orchestrator's patience.
 */
export function installGracefulShutdown(app: INestApplication, config: AppConfig, embeddedRedis?: EmbeddedRedis): void {
  const logger = new Logger('Shutdown');
  let started = false;
  const shutdown = async (signal: string) => {
    if (started) return;
    started = true;
    const deadline = setTimeout(() => {
      logger.error(`shutdown took longer than ${config.shutdownTimeoutMs} ms; exiting anyway`);
      process.exit(1);
    }, config.shutdownTimeoutMs);
    deadline.unref();
    logger.log(`${signal}: draining`);
    app.get(LifecycleState).draining = true;
    (app.getHttpServer() as Server).close();
    refuseNewWork(app.get(ChatNamespace).server);
    const settled = await waitForInFlightEvents(app.get(MetricsService), config.shutdownTimeoutMs / 2);
    if (!settled) logger.warn(`${app.get(MetricsService).eventsInFlight} events still in flight; closing anyway`);
    const ended = app.get(SessionService).endAllForShutdown();
    logger.log(`told ${ended} connections to reconnect elsewhere`);
    await app.close();
    await embeddedRedis?.stop();
    logger.log('stopped');
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

/** Events already connected clients send from now on are acknowledged `unavailable` without being handled. */
function refuseNewWork(namespace: Namespace): void {
  const refusal = { ok: false, error: shuttingDown().toBody() };
  const refuseEvents = (socket: Socket) =>
    socket.use((packet) => {
      const ack = packet.at(-1) as unknown;
      if (typeof ack === 'function') ack(refusal);
    });
  namespace.sockets.forEach(refuseEvents);
  namespace.use((_socket, next) => next(Object.assign(new Error('unavailable'), { data: shuttingDown().toBody() })));
}

async function waitForInFlightEvents(metrics: MetricsService, maxWaitMs: number): Promise<boolean> {
  const giveUpAt = Date.now() + maxWaitMs;
  while (metrics.eventsInFlight > 0 && Date.now() < giveUpAt) {
    await new Promise((resolve) => setTimeout(resolve, IN_FLIGHT_POLL_MS));
  }
  return metrics.eventsInFlight === 0;
}
