import { generateKeyPairSync } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { sign, type SignOptions } from 'jsonwebtoken';
import type { AppConfig, JwtConfig } from '../config/app-config';
import type { AuthUser } from '../common/auth-user';
import { AuthenticationError } from '../common/handshake-error';
import { fake } from '../testing/fakes';
import type { AccessRepository, UserAccessState } from './access.repository';
import { TokenVerifier } from './token-verifier.service';

const SECRET = 'unit-test-secret-that-is-long-enough-for-hs256';
const NOW_SEC = Math.floor(Date.now() / 1000);
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const PUBLIC_KEY_PEM = publicKey.export({ type: 'spki', format: 'pem' }).toString();

function token(claims: Record<string, unknown> = {}, options: SignOptions & { secret?: string } = {}): string {
  const { secret = SECRET, ...signOptions } = options;
  // a claim given as undefined is left out
  const payload = Object.fromEntries(
    Object.entries({ sub: 'alice', jti: 'token-1', iat: NOW_SEC - 10, exp: NOW_SEC + 3600, ...claims }).filter(([, value]) => value !== undefined),
  );
  return sign(payload, secret, { algorithm: 'HS256', ...signOptions });
}

/** What the access repository holds: revoked token ids and each user's access state. */
function setUp(jwt: JwtConfig = { secret: SECRET }, state: { revokedTokens?: string[]; users?: Record<string, UserAccessState> } = {}) {
  const reads: string[] = [];
  const access = fake<AccessRepository>(
    {
      isTokenRevoked: async (tokenId: string) => (reads.push(`token ${tokenId}`), (state.revokedTokens ?? []).includes(tokenId)),
      userAccess: async (userId: string) => (reads.push(`user ${userId}`), state.users?.[userId] ?? {}),
    },
    'AccessRepository',
  );
  return { verifier: new TokenVerifier(new JwtService(), access, fake<AppConfig>({ jwt }, 'AppConfig')), reads };
}

async function refusal(attempt: Promise<unknown>): Promise<Pick<AuthenticationError, 'code' | 'message' | 'userId' | 'sessionEnd'>> {
  const error = await attempt.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AuthenticationError);
  const { code, message, userId, sessionEnd } = error as AuthenticationError;
  return { code, message, userId, sessionEnd };
}

describe('TokenVerifier', () => {
  let warned: jest.SpyInstance;
  beforeEach(() => (warned = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined)));
  afterEach(() => warned.mockRestore());

  it('turns a valid token into the user it names, with its claims', async () => {
    const { verifier } = setUp();
    const user = await verifier.verify(token({ name: 'Alice', roles: ['admin', 7], rooms: ['general'] }));
    expect(user).toEqual<AuthUser>({
      id: 'alice',
      name: 'Alice',
      roles: ['admin'],
      rooms: ['general'],
      tokenId: 'token-1',
      issuedAtSec: NOW_SEC - 10,
      expiresAtSec: NOW_SEC + 3600,
    });
  });

  it('names a token without jti by its digest, the same on every verification and different per token', () => {
    const { verifier } = setUp();
    const first = token({ jti: undefined });
    const second = token({ jti: undefined, name: 'other' });
    expect(verifier.verifySignature(first).tokenId).toMatch(/^sha256:/);
    expect(verifier.verifySignature(first).tokenId).toBe(verifier.verifySignature(first).tokenId);
    expect(verifier.verifySignature(second).tokenId).not.toBe(verifier.verifySignature(first).tokenId);
  });

  it('refuses an expired token as token_expired', async () => {
    const { verifier } = setUp();
    expect(await refusal(verifier.verify(token({ iat: NOW_SEC - 7200, exp: NOW_SEC - 60 })))).toMatchObject({ code: 'token_expired' });
  });

  it.each([
    ['signed with another secret', () => token({}, { secret: 'another-secret-that-is-long-enough-for-hs256' })],
    [
      'with its payload changed after signing',
      () => {
        const [header, , signature] = token().split('.');
        return [header, Buffer.from(JSON.stringify({ sub: 'mallory', exp: NOW_SEC + 3600 })).toString('base64url'), signature].join('.');
      },
    ],
    ['unsigned (alg none)', () => sign({ sub: 'alice', exp: NOW_SEC + 3600 }, '', { algorithm: 'none' })],
    ['in RS/ES256 when no public key is configured', () => sign({ sub: 'alice', exp: NOW_SEC + 3600 }, privateKey, { algorithm: 'ES256' })],
    ['without exp', () => sign({ sub: 'alice' }, SECRET, { algorithm: 'HS256' })],
    ['without sub', () => token({ sub: undefined })],
    ['with a sub holding spaces', () => token({ sub: 'alice smith' })],
    ['with a rooms claim that is a single string', () => token({ rooms: 'general' })],
    ['that is not three base64url parts', () => 'not-a-token'],
    ['with a header that is not JSON', () => `${Buffer.from('{').toString('base64url')}.e30.x`],
    ['that is empty', () => ''],
  ])('refuses a token %s as token_invalid, naming no user', async (_case, make) => {
    const { verifier } = setUp();
    expect(await refusal(verifier.verify(make()))).toEqual({ code: 'token_invalid', message: 'token invalid', userId: undefined, sessionEnd: undefined });
  });

  it('logs why a token was refused on the server only', async () => {
    const { verifier } = setUp({ secret: SECRET, issuer: 'https://idp.example', audience: 'chat' });
    const answer = await refusal(verifier.verify(token({}, { issuer: 'https://other.example', audience: 'chat' })));
    expect(answer.message).toBe('token invalid');
    expect(warned).toHaveBeenCalledWith(expect.stringContaining('https://idp.example'));
  });

  it('holds a token to the configured issuer and audience', async () => {
    const { verifier } = setUp({ secret: SECRET, issuer: 'https://idp.example', audience: 'chat' });
    expect(await verifier.verify(token({}, { issuer: 'https://idp.example', audience: 'chat' }))).toMatchObject({ id: 'alice' });
    expect(await refusal(verifier.verify(token({}, { issuer: 'https://other.example', audience: 'chat' })))).toMatchObject({ code: 'token_invalid' });
    expect(await refusal(verifier.verify(token({}, { issuer: 'https://idp.example', audience: 'billing' })))).toMatchObject({ code: 'token_invalid' });
    expect(await refusal(verifier.verify(token()))).toMatchObject({ code: 'token_invalid' });
  });

  it('verifies ES256 tokens with the configured public key, and no HS256 token when no secret is configured', async () => {
    const { verifier } = setUp({ publicKey: PUBLIC_KEY_PEM });
    const signed = sign({ sub: 'alice', jti: 'es', exp: NOW_SEC + 3600 }, privateKey, { algorithm: 'ES256' });
    expect(await verifier.verify(signed)).toMatchObject({ id: 'alice', tokenId: 'es' });
    expect(await refusal(verifier.verify(token()))).toMatchObject({ code: 'token_invalid' });
  });

  it('refuses a logged-out (blacklisted) token as token_revoked, ending its sessions as logout', async () => {
    const { verifier } = setUp(undefined, { revokedTokens: ['token-1'] });
    expect(await refusal(verifier.verify(token()))).toEqual({ code: 'token_revoked', message: 'token was revoked', userId: 'alice', sessionEnd: 'logout' });
    expect(await verifier.verify(token({ jti: 'token-2' }))).toMatchObject({ tokenId: 'token-2' });
  });

  it("refuses tokens issued up to the user's revocation, not the ones issued after it", async () => {
    const { verifier } = setUp(undefined, { users: { alice: { tokensRevokedAtSec: NOW_SEC - 5 } } });
    expect(await refusal(verifier.verify(token({ iat: NOW_SEC - 5 })))).toMatchObject({ code: 'token_revoked', userId: 'alice', sessionEnd: 'revoked' });
    expect(await refusal(verifier.verify(token({ iat: undefined }, { noTimestamp: true })))).toMatchObject({ code: 'token_revoked' });
    expect(await verifier.verify(token({ iat: NOW_SEC - 4 }))).toMatchObject({ id: 'alice' });
  });

  it('refuses a banned user until the ban ends, with its reason', async () => {
    const banned = setUp(undefined, { users: { alice: { bannedUntilMs: Date.now() + 60_000, banReason: 'spam' } } });
    expect(await refusal(banned.verifier.verify(token()))).toMatchObject({ code: 'banned', message: 'banned: spam', userId: 'alice' });
    const served = setUp(undefined, { users: { alice: { bannedUntilMs: Date.now() - 1 } } });
    expect(await served.verifier.verify(token())).toMatchObject({ id: 'alice' });
  });

  it('reads the access state once per verification, issued before the signature check', async () => {
    const { verifier, reads } = setUp();
    await verifier.verify(token());
    expect(reads.sort()).toEqual(['token token-1', 'user alice']);
  });

  it('verifies no signature once the check asked to come first refused, and admits no one when Redis fails', async () => {
    const { verifier } = setUp();
    const sign = jest.spyOn(verifier, 'verifySignature');
    await expect(verifier.verify(token(), Promise.reject(new Error('address refused')))).rejects.toThrow('address refused');
    expect(sign).not.toHaveBeenCalled();

    const failing = new TokenVerifier(
      new JwtService(),
      fake<AccessRepository>({ isTokenRevoked: () => Promise.reject(new Error('Connection is closed.')), userAccess: async () => ({}) }),
      fake<AppConfig>({ jwt: { secret: SECRET } }),
    );
    await expect(failing.verify(token())).rejects.toThrow('Connection is closed.');
  });

  it('asks again for revocation and ban of a verified user', async () => {
    const state: { revokedTokens: string[] } = { revokedTokens: [] };
    const { verifier } = setUp(undefined, state);
    const user = await verifier.verify(token());
    await expect(verifier.assertAdmitted(user)).resolves.toBeUndefined();
    state.revokedTokens.push('token-1');
    expect(await refusal(verifier.assertAdmitted(user))).toMatchObject({ code: 'token_revoked', sessionEnd: 'logout' });
  });
});
