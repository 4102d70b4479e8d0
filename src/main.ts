import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import helmet from 'helmet';
import type { AddressInfo } from 'node:net';
import { AppModule } from './app.module';
import { compileTrust } from './common/client-address';
import { verifyLibrarySeams } from './common/library-seam';
import { AppConfig, ConfigError, loadConfig } from './config/app-config';
import { readOrCreateDevelopmentSecret } from './config/development-secret';
import { installGracefulShutdown } from './lifecycle/graceful-shutdown';
import { EmbeddedRedis } from './redis/embedded-redis';
import { socketIoSeams } from './realtime/library-seams';
import { RedisIoAdapter } from './realtime/redis-io.adapter';
import { ioredisSeams } from './redis/library-seams';
import { setUpApiDocs } from './docs/api-docs';
import { AppLogger, createPino, logDestination } from './logging/app-logger';
import { httpLogging } from './logging/http-logging';
import { setLogContextReach } from './logging/log-context';

/**
 * Node listens with a backlog of 511: when thousands of clients reconnect at once (a node restarted, a network
 * blip) most SYNs overflow the accept queue and are retried after 1, 3, 7, 15 s. The kernel caps this at
 * `net.core.somaxconn` (4096 by default on current Linux).
 */
const LISTEN_BACKLOG = 4096;

async function bootstrap(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig(process.env, readOrCreateDevelopmentSecret);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
  // before anything connects: an upgrade that moved an internal this code relies on stops the node here, naming it
  await verifyLibrarySeams([...ioredisSeams(), ...socketIoSeams()]);
  setLogContextReach(config.logContext);
  const destination = logDestination();
  const logger = new AppLogger(createPino(config, destination));
  Logger.overrideLogger(logger);

  let embeddedRedis: EmbeddedRedis | undefined;
  if (config.redis.mode === 'embedded') {
    embeddedRedis = new EmbeddedRedis(config.dataDir, config.redisServerBin);
    config = { ...config, redis: { mode: 'standalone', ...(await embeddedRedis.start()) } };
  }

  process.on('unhandledRejection', (reason) => logger.error(`unhandled rejection: ${reason instanceof Error ? reason.stack : String(reason)}`, 'Process'));

  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), { logger });
  app.use(httpLogging(createPino(config, destination, false)));
  app.useWebSocketAdapter(new RedisIoAdapter(app));
  app.use(helmet({ contentSecurityPolicy: false }));
  app.enableCors({ origin: config.corsOrigins === '*' ? true : config.corsOrigins, credentials: true });
  app.set('trust proxy', compileTrust(config.trustProxy));
  if (config.isApiDocsEnabled) setUpApiDocs(app);
  installGracefulShutdown(app, config, embeddedRedis);

  if (config.jwt.isGeneratedSecret) {
    logger.log('No JWT_SECRET set: using a development secret in the data directory; sign a token with `npm run token -- --sub alice`', 'Bootstrap');
  }
  // Nest hands its arguments on to http.Server#listen; its typing leaves out the backlog.
  const listen = app.listen.bind(app) as unknown as (port: number, host: string, backlog: number) => Promise<unknown>;
  await listen(config.port, config.host, LISTEN_BACKLOG);
  const { address, port } = app.getHttpServer().address() as AddressInfo;
  logger.log(`Listening on http://${address.includes(':') ? `[${address}]` : address}:${port} as node ${config.nodeId} (${config.env})`, 'Bootstrap');
}

bootstrap().catch((error: unknown) => {
  console.error(`start-up failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
