import { Controller, Get, Header, Inject, Logger, OnApplicationBootstrap, UseGuards } from '@nestjs/common';
import { SkipThrottle } from '@nestjs/throttler';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { MetricsTokenGuard } from './metrics-token.guard';
import { MetricsService } from './metrics.service';

/** Never throttled: scrapers poll on their own schedule. */
@SkipThrottle()
@UseGuards(MetricsTokenGuard)
@Controller('metrics')
export class MetricsController implements OnApplicationBootstrap {
  constructor(
    private readonly metrics: MetricsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Open metrics are a choice for a port only the monitoring network reaches (docs/OPERATIONS.md); a production
   * node says at start-up that it made it, so that nobody makes it by forgetting the token.
   */
  onApplicationBootstrap(): void {
    if (this.config.env !== 'production' || this.config.metricsToken) return;
    new Logger('Metrics').warn(
      'METRICS_TOKEN is not set: /metrics is open to anyone who reaches this port (who is connected, how busy the cluster is); set it, or keep the port off every network but the monitoring one',
    );
  }

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
