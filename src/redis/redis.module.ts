import { Global, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/app-config';
import { MetricsModule } from '../metrics/metrics.module';
import { MetricsService } from '../metrics/metrics.service';
import { createRedisConnection, guardPublishes, whenReady } from './redis-connections';
import type { RedisConnectionClient } from './redis-connections';
import { REDIS_ADMISSION, REDIS_COMMANDS, REDIS_PUBLISHER, REDIS_SUBSCRIBER } from './redis.tokens';
import { defineLoadedScripts } from './scripts';
import { SubscriberWatch } from './subscriber-watch';

const STARTUP_WAIT_MS = 5000;

/** Made with the commands connection: the admission provider hands out the one made beside it. */
const admissionConnections = new WeakMap<RedisConnectionClient, RedisConnectionClient>();

@Global()
@Module({
  imports: [MetricsModule],
  providers: [
    {
      provide: REDIS_COMMANDS,
      inject: [APP_CONFIG, MetricsService],
      useFactory: async (config: AppConfig, metrics: MetricsService) => {
        const client = createRedisConnection(config, 'commands', metrics);
        const admission = createRedisConnection(config, 'admission', metrics);
        defineLoadedScripts(client);
        defineLoadedScripts(admission);
        admissionConnections.set(client, admission);
        if (!(await whenReady(client, STARTUP_WAIT_MS))) {
          new Logger('Redis').warn('Redis is not reachable yet; the node starts not ready and keeps trying');
        }
        return client;
      },
    },
    {
      provide: REDIS_ADMISSION,
      inject: [REDIS_COMMANDS],
      useFactory: (commands: RedisConnectionClient) => admissionConnections.get(commands),
    },
    {
      provide: REDIS_PUBLISHER,
      inject: [APP_CONFIG, MetricsService],
      useFactory: (config: AppConfig, metrics: MetricsService) => {
        const client = createRedisConnection(config, 'publisher', metrics);
        guardPublishes(client);
        return client;
      },
    },
    {
      provide: REDIS_SUBSCRIBER,
      inject: [APP_CONFIG, MetricsService],
      useFactory: (config: AppConfig, metrics: MetricsService) => createRedisConnection(config, 'subscriber', metrics),
    },
    {
      provide: SubscriberWatch,
      inject: [REDIS_SUBSCRIBER],
      useFactory: (subscriber: RedisConnectionClient) => new SubscriberWatch(subscriber),
    },
  ],
  exports: [REDIS_COMMANDS, REDIS_ADMISSION, REDIS_PUBLISHER, REDIS_SUBSCRIBER, SubscriberWatch],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(
    @Inject(REDIS_COMMANDS) private readonly commands: RedisConnectionClient,
    @Inject(REDIS_ADMISSION) private readonly admission: RedisConnectionClient,
    @Inject(REDIS_PUBLISHER) private readonly publisher: RedisConnectionClient,
    @Inject(REDIS_SUBSCRIBER) private readonly subscriber: RedisConnectionClient,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.commands, this.admission, this.publisher, this.subscriber].map((client) => client.quit().catch(() => client.disconnect())));
  }
}
