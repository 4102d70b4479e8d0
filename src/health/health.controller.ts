import { Controller, Get } from '@nestjs/common';
import { SkipThrottle } from '@nestjs/throttler';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { LifecycleState } from '../lifecycle/lifecycle.module';
import { RedisHealthIndicator } from './redis.health';

/** Never throttled: an orchestrator's probes must not be refused as abuse. */
@SkipThrottle()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly redis: RedisHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    private readonly lifecycle: LifecycleState,
  ) {}

  /** Liveness: the process serves HTTP. Never depends on Redis, so an outage does not restart every node. */
  @Get('live')
  live() {
    return { status: 'ok' };
  }

  /** Readiness: 200 while every Redis connection answers PING and the node is not draining for shutdown, 503 otherwise. */
  @Get(['ready', ''])
  @HealthCheck()
  ready() {
    return this.health.check([
      () => (this.lifecycle.draining ? this.indicators.check('node').down({ draining: true }) : this.indicators.check('node').up()),
      () => this.redis.isReachable(),
    ]);
  }
}
