import { Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';
import { MetricsService } from '../metrics/metrics.service';

export type RateLimit = 'socket_events' | 'http_requests' | 'handshakes_per_ip' | 'connections_per_user';

/** Refusals by limit, so that an operator sees whether a default is too tight (or under attack). */
@Injectable()
export class RateLimitMetrics {
  private readonly refusals: Counter<'limit'>;

  constructor(metrics: MetricsService) {
    this.refusals = new Counter({
      name: 'chat_rate_limited_total',
      help: 'Requests, events and handshakes refused by a rate or connection limit',
      labelNames: ['limit'] as const,
      registers: [metrics.registry],
    });
  }

  refused(limit: RateLimit): void {
    this.refusals.inc({ limit });
  }
}
