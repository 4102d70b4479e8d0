import { CanActivate, ExecutionContext, ForbiddenException, Injectable, SetMetadata, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { API_KEY_HEADER, ApiKeyCaller, ApiKeyVerifier } from '../auth/api-key-verifier';
import { HttpAuthGuard } from '../auth/http-auth.guard';
import type { AuthUser } from '../common/auth-user';
import type { AuthenticatedRequest } from '../common/authenticated-request';
import type { ServerApiScope } from '../config/app-config';

/** Token roles that may call the server API. */
export const SERVER_ROLES = ['service', 'admin'];

const SCOPE_KEY = 'server-api:scope';
/** The scope an API key needs for the route (SERVER_API_KEYS: `publish+presence@<key>`); tokens have every scope. */
export const RequiresScope = (scope: ServerApiScope) => SetMetadata(SCOPE_KEY, scope);

/**
 * Backend services: an `X-API-Key` that SERVER_API_KEYS lists, or a bearer token carrying the `service` or
 * `admin` role. 401 without valid credentials, 403 for a valid token without either role and for a key whose
 * scopes do not include the route's. A key's caller is `apikey:<first 6 characters>`, which the audit trail
 * records as the actor.
 */
@Injectable()
export class ServerAuthGuard implements CanActivate {
  constructor(
    private readonly tokens: HttpAuthGuard,
    private readonly apiKeys: ApiKeyVerifier,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const apiKey = request.headers[API_KEY_HEADER];
    if (apiKey !== undefined) {
      const caller = typeof apiKey === 'string' ? this.apiKeys.verify(apiKey) : undefined;
      if (!caller) throw new UnauthorizedException('unknown API key');
      this.assertScope(caller, this.reflector.get<ServerApiScope | undefined>(SCOPE_KEY, context.getHandler()));
      request.user = userOf(caller);
      return true;
    }
    if (!request.headers.authorization) throw new UnauthorizedException('missing credentials: send Authorization: Bearer <token> or X-API-Key');
    await this.tokens.authenticate(request);
    if (!request.user.roles.some((role) => SERVER_ROLES.includes(role))) throw new ForbiddenException(`requires role ${SERVER_ROLES.join(' or ')}`);
    return true;
  }

  /** A route that names no scope is closed to keys: a new route is not opened to every key by omission. */
  private assertScope(caller: ApiKeyCaller, scope: ServerApiScope | undefined): void {
    if (scope && caller.scopes.has(scope)) return;
    throw new ForbiddenException(`this API key's scopes (${[...caller.scopes].join(', ')}) do not include ${scope ?? 'this route'}`);
  }
}

function userOf({ id }: ApiKeyCaller): AuthUser {
  return { id, roles: ['service'], tokenId: id, expiresAtSec: Number.MAX_SAFE_INTEGER };
}
