import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import helmet from 'helmet';
import type { AddressInfo } from 'node:net';
import { AppModule } from './app.module';
import { compileTrust } from './common/client-address';
import { AppConfig, ConfigError, loadConfig } from './config/app-config';
import { readOrCreateDevelopmentSecret } from './config/development-secret';
import { installGracefulShutdown } from './lifecycle/graceful-shutdown';
import { EmbeddedRedis } from './redis/embedded-redis';
import { RedisIoAdapter } from './realtime/redis-io.adapter';
import { setUpApiDocs } from './docs/api-docs';
import { AppLogger, createPino, logDestination } from './logging/app-logger';
import { httpLogging } from './logging/http-logging';

async function bootstrap(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig(process.env, readOrCreateDevelopmentSecret);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
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
  await app.listen(config.port, config.host);
  const { address, port } = app.getHttpServer().address() as AddressInfo;
  logger.log(`Listening on http://${address.includes(':') ? `[${address}]` : address}:${port} as node ${config.nodeId} (${config.env})`, 'Bootstrap');
}

bootstrap().catch((error: unknown) => {
  console.error(`start-up failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
