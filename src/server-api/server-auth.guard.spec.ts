import { ExecutionContext, ForbiddenException, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiKeyVerifier } from '../auth/api-key-verifier';
import type { HttpAuthGuard } from '../auth/http-auth.guard';
import type { AuthenticatedRequest } from '../common/authenticated-request';
import { SERVER_API_SCOPES, type AppConfig, type ServerApiScope } from '../config/app-config';
import { fake, userOf } from '../testing/fakes';
import { RequiresScope, ServerAuthGuard } from './server-auth.guard';

const KEY = 'a'.repeat(16) + 'b'.repeat(16);
const PUBLISH_ONLY_KEY = 'p'.repeat(40);

function guardWithTokenRoles(roles: string[]) {
  const tokens = { authenticate: jest.fn(async (request: AuthenticatedRequest) => void (request.user = { ...userOf('svc'), roles })) };
  const config = fake<AppConfig>({
    serverApiKeys: [
      { key: KEY, scopes: [...SERVER_API_SCOPES] },
      { key: 'c'.repeat(40), scopes: [...SERVER_API_SCOPES] },
      { key: PUBLISH_ONLY_KEY, scopes: ['publish'] },
    ],
  });
  return { guard: new ServerAuthGuard(fake<HttpAuthGuard>(tokens), new ApiKeyVerifier(config), new Reflector()), tokens };
}

/** A route handler marked with the scope it needs, as the controller's methods are. */
function handlerNeeding(scope: ServerApiScope | null) {
  const handler = () => undefined;
  if (scope) RequiresScope(scope)(handler);
  return handler;
}

function requestWith(headers: Record<string, string>, scope: ServerApiScope | null = 'publish') {
  const request = fake<AuthenticatedRequest>({ headers });
  const context = fake<ExecutionContext>({
    switchToHttp: () => fake<ReturnType<ExecutionContext['switchToHttp']>>({ getRequest: <T>() => request as T }),
    getHandler: () => handlerNeeding(scope),
  });
  return { request, context };
}

describe('ServerAuthGuard', () => {
  it('accepts a configured API key without looking at tokens, and names the caller by its first 6 characters', async () => {
    const { guard, tokens } = guardWithTokenRoles([]);
    const { request, context } = requestWith({ 'x-api-key': KEY, authorization: 'Bearer whatever' });
    expect(await guard.canActivate(context)).toBe(true);
    expect(request.user).toMatchObject({ id: 'apikey:aaaaaa', roles: ['service'] });
    expect(tokens.authenticate).not.toHaveBeenCalled();
  });

  it('refuses an unknown key, a prefix of a known key and a missing credential with 401', async () => {
    const { guard } = guardWithTokenRoles(['service']);
    for (const headers of [{ 'x-api-key': 'z'.repeat(32) } as Record<string, string>, { 'x-api-key': KEY.slice(0, 31) }, { 'x-api-key': `${KEY}x` }, {}]) {
      await expect(guard.canActivate(requestWith(headers).context)).rejects.toBeInstanceOf(UnauthorizedException);
    }
  });

  it("lets a scoped key call only its scopes' routes (403 otherwise), and a plain key every route", async () => {
    const { guard } = guardWithTokenRoles([]);
    expect(await guard.canActivate(requestWith({ 'x-api-key': PUBLISH_ONLY_KEY }, 'publish').context)).toBe(true);
    for (const scope of ['notify', 'presence', 'disconnect'] as const) {
      await expect(guard.canActivate(requestWith({ 'x-api-key': PUBLISH_ONLY_KEY }, scope).context)).rejects.toThrow(
        new ForbiddenException(`this API key's scopes (publish) do not include ${scope}`),
      );
      expect(await guard.canActivate(requestWith({ 'x-api-key': KEY }, scope).context)).toBe(true);
    }
  });

  it('closes a route that names no scope to every key', async () => {
    await expect(guardWithTokenRoles([]).guard.canActivate(requestWith({ 'x-api-key': KEY }, null).context)).rejects.toBeInstanceOf(ForbiddenException);
  });

  it('accepts a token with the service or admin role and refuses one without either with 403', async () => {
    for (const roles of [['service'], ['admin'], ['user', 'admin']]) {
      expect(await guardWithTokenRoles(roles).guard.canActivate(requestWith({ authorization: 'Bearer t' }).context)).toBe(true);
    }
    await expect(guardWithTokenRoles(['user']).guard.canActivate(requestWith({ authorization: 'Bearer t' }).context)).rejects.toBeInstanceOf(
      ForbiddenException,
    );
  });
});
