import { ExecutionContext, HttpException, HttpStatus, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  normalizeIp,
  ThrottlerGuard,
  ThrottlerLimitDetail,
  type ThrottlerModuleOptions,
  type ThrottlerStorage,
} from '@nestjs/throttler';
import type { Request } from 'express';
import { API_KEY_HEADER, ApiKeyVerifier } from '../auth/api-key-verifier';
import { bearerToken } from '../common/bearer-token';
import { TokenVerifier } from '../auth/token-verifier.service';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { throttleTrackers } from './keys';
import { RateLimitReporter } from './rate-limit.reporter';

/**
 * The REST budget: one per server API key when the request carries a configured `X-API-Key`, one per user when
 * it carries a token with a valid signature, else one per client address; shared by every route (not one budget per route) and by all nodes. Over it: 429 with `Retry-After`.
 * Health probes and /metrics opt out with `@SkipThrottle()`.
 */
@Injectable()
export class HttpThrottlerGuard extends ThrottlerGuard {
  private readonly isDisabled: boolean;

  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly verifier: TokenVerifier,
    private readonly apiKeys: ApiKeyVerifier,
    private readonly limits: RateLimitReporter,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    super(options, storage, reflector);
    this.isDisabled = config.throttle.http.limit === 0;
  }

  /** Global guards see socket events too: those have their own budget (`SocketEventBudget`). */
  protected override shouldSkip(context: ExecutionContext): Promise<boolean> {
    return Promise.resolve(this.isDisabled || context.getType() !== 'http');
  }

  /**
   * Signature only (no Redis): a forged token cannot spend someone else's budget, a revoked one still pays. A key
   * is looked up among the configured ones (a digest per key): a guessed key is counted against its address.
   */
  protected override getTracker(request: Request): Promise<string> {
    const apiKey = request.headers[API_KEY_HEADER];
    const keyCaller = typeof apiKey === 'string' ? this.apiKeys.verify(apiKey) : undefined;
    if (keyCaller) return Promise.resolve(throttleTrackers.httpApiKey(keyCaller.id));
    const token = bearerToken(request.headers.authorization);
    if (token) {
      try {
        return Promise.resolve(throttleTrackers.httpUser(this.verifier.verifySignature(token).id));
      } catch {
        // an invalid token is counted against its address, like no token
      }
    }
    return Promise.resolve(throttleTrackers.httpAddress(normalizeIp(request.ip ?? 'unknown')));
  }

  protected override generateKey(_context: ExecutionContext, tracker: string): string {
    return tracker;
  }

  /** `Retry-After` (seconds) is already set by the base guard. */
  protected override throwThrottlingException(context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const request = context.switchToHttp().getRequest<Request>();
    const userId = detail.tracker.startsWith(throttleTrackers.httpUser(''))
      ? detail.tracker.slice(throttleTrackers.httpUser('').length)
      : detail.tracker.startsWith(throttleTrackers.httpApiKey(''))
        ? detail.tracker.slice(throttleTrackers.httpApiKey('').length)
        : undefined;
    this.limits.refused('http_requests', userId ? { userId } : { address: normalizeIp(request.ip ?? 'unknown') }, detail.timeToBlockExpire * 1000);
    const status = HttpStatus.TOO_MANY_REQUESTS;
    throw new HttpException({ statusCode: status, error: 'Too Many Requests', message: `too many requests; retry in ${detail.timeToBlockExpire} s` }, status);
  }
}
