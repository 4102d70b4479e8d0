import { CanActivate, ExecutionContext, ForbiddenException, Injectable, SetMetadata, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { AuthUser } from '../common/auth-user';
import type { AuthenticatedRequest } from '../common/authenticated-request';
import { AuthenticationError } from '../common/handshake-error';
import { bearerToken } from '../common/bearer-token';
import { TokenVerifier } from './token-verifier.service';

const ROLES_KEY = 'roles';
/** The roles a route needs, all of them; checked after the token by `HttpAuthGuard`. */
export const Roles = (...roles: string[]) => SetMetadata(ROLES_KEY, roles);

/**
 * REST authentication and authorization in one place: a valid, unrevoked bearer token (401 otherwise)
 * carrying every role the route names (403 otherwise).
 */
@Injectable()
export class HttpAuthGuard implements CanActivate {
  constructor(
    private readonly verifier: TokenVerifier,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    await this.authenticate(request);
    const roles = this.reflector.getAllAndOverride<string[] | undefined>(ROLES_KEY, [context.getHandler(), context.getClass()]);
    if (roles && !roles.every((role) => request.user.roles.includes(role))) {
      throw new ForbiddenException(`requires role ${roles.join(', ')}`);
    }
    return true;
  }

  /** Verifies the bearer token and sets `request.user` and `request.token`; 401 without a valid one. */
  async authenticate(request: AuthenticatedRequest): Promise<void> {
    const token = bearerToken(request.headers.authorization);
    if (!token) throw new UnauthorizedException('missing bearer token');
    try {
      request.user = await this.verifier.verify(token);
    } catch (error) {
      if (error instanceof AuthenticationError) throw new UnauthorizedException(`${error.code}: ${error.message}`);
      throw error;
    }
    request.token = token;
  }
}
