import { createHash, timingSafeEqual } from 'node:crypto';
import { CanActivate, ExecutionContext, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import type { Request } from 'express';
import { bearerToken } from '../common/bearer-token';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** With METRICS_TOKEN set, a scrape needs `Authorization: Bearer <METRICS_TOKEN>`; without it, /metrics stays open. */
@Injectable()
export class MetricsTokenGuard implements CanActivate {
  private readonly expected?: Buffer;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    if (config.metricsToken) this.expected = digest(config.metricsToken);
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.expected) return true;
    const presented = bearerToken(context.switchToHttp().getRequest<Request>().headers.authorization);
    // digests of equal length, so the comparison time tells nothing about the token
    if (presented !== undefined && timingSafeEqual(digest(presented), this.expected)) return true;
    throw new UnauthorizedException('metrics need Authorization: Bearer <METRICS_TOKEN>');
  }
}
