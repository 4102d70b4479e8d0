import { CanActivate, ExecutionContext, ForbiddenException, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { HttpAuthGuard } from '../auth/http-auth.guard';
import type { AuthUser } from '../common/auth-user';
import type { AuthenticatedRequest } from '../common/authenticated-request';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';

export const API_KEY_HEADER = 'x-api-key';
/** Token roles that may call the server API. */
export const SERVER_ROLES = ['service', 'admin'];
/** How much of a key names its caller in the audit trail: enough to tell keys apart, too little to use one. */
const KEY_PREFIX_LENGTH = 6;

/**
 * Backend services: an `X-API-Key` that SERVER_API_KEYS lists, or a bearer token carrying the `service` or
 * `admin` role. 401 without valid credentials, 403 for a valid token without either role. A key's caller is
 * `apikey:<first 6 characters>`, which the audit trail records as the actor.
 */
@Injectable()
export class ServerAuthGuard implements CanActivate {
  /** Digests, so that every comparison runs over equal lengths and in constant time. */
  private readonly keyDigests: Buffer[];

  constructor(
    private readonly tokens: HttpAuthGuard,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.keyDigests = config.serverApiKeys.map(digestOf);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const apiKey = request.headers[API_KEY_HEADER];
    if (apiKey !== undefined) {
      if (typeof apiKey !== 'string' || !this.isAccepted(apiKey)) throw new UnauthorizedException('unknown API key');
      request.user = apiKeyCaller(apiKey);
      return true;
    }
    if (!request.headers.authorization) throw new UnauthorizedException('missing credentials: send Authorization: Bearer <token> or X-API-Key');
    await this.tokens.authenticate(request);
    if (!request.user.roles.some((role) => SERVER_ROLES.includes(role))) throw new ForbiddenException(`requires role ${SERVER_ROLES.join(' or ')}`);
    return true;
  }

  /** Compares with every key, never stopping early, so the time taken tells nothing about which matched. */
  private isAccepted(candidate: string): boolean {
    const digest = digestOf(candidate);
    let isMatch = false;
    for (const key of this.keyDigests) isMatch = timingSafeEqual(key, digest) || isMatch;
    return isMatch;
  }
}

function digestOf(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}

function apiKeyCaller(key: string): AuthUser {
  const id = `apikey:${key.slice(0, KEY_PREFIX_LENGTH)}`;
  return { id, roles: ['service'], tokenId: id, expiresAtSec: Number.MAX_SAFE_INTEGER };
}
