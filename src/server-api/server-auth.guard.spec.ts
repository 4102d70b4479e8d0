import { ExecutionContext, ForbiddenException, UnauthorizedException } from '@nestjs/common';
import type { HttpAuthGuard } from '../auth/http-auth.guard';
import type { AuthenticatedRequest } from '../common/authenticated-request';
import type { AppConfig } from '../config/app-config';
import { userOf } from '../testing/fakes';
import { ServerAuthGuard } from './server-auth.guard';

const KEY = 'a'.repeat(16) + 'b'.repeat(16);

function guardWithTokenRoles(roles: string[]) {
  const tokens = { authenticate: jest.fn(async (request: AuthenticatedRequest) => void (request.user = { ...userOf('svc'), roles })) };
  return { guard: new ServerAuthGuard(tokens as unknown as HttpAuthGuard, { serverApiKeys: [KEY, 'c'.repeat(40)] } as AppConfig), tokens };
}

function requestWith(headers: Record<string, string>) {
  const request = { headers } as unknown as AuthenticatedRequest;
  const context = { switchToHttp: () => ({ getRequest: () => request }) } as ExecutionContext;
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

  it('accepts a token with the service or admin role and refuses one without either with 403', async () => {
    for (const roles of [['service'], ['admin'], ['user', 'admin']]) {
      expect(await guardWithTokenRoles(roles).guard.canActivate(requestWith({ authorization: 'Bearer t' }).context)).toBe(true);
    }
    await expect(guardWithTokenRoles(['user']).guard.canActivate(requestWith({ authorization: 'Bearer t' }).context)).rejects.toBeInstanceOf(ForbiddenException);
  });
});
