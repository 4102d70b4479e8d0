import { randomUUID } from 'node:crypto';
import { sign, SignOptions } from 'jsonwebtoken';

/** The HS256 secret every test node is started with. */
export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';

export interface TestClaims {
  sub: string;
  name?: string;
  roles?: string[];
  rooms?: string[];
  jti?: string | null;
  iat?: number;
  exp?: number;
}

/** A token as an identity provider would issue it: jti and an hour of validity unless told otherwise. */
export function makeToken(claims: TestClaims, options: { secret?: string; algorithm?: SignOptions['algorithm'] } = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const { jti, ...rest } = claims;
  const payload: Record<string, unknown> = { iat: now, exp: now + 3600, ...rest };
  if (jti !== null) payload.jti = jti ?? randomUUID();
  // no `noTimestamp`: jsonwebtoken would drop the iat set above, and revocation compares against it
  return sign(payload, options.secret ?? TEST_JWT_SECRET, { algorithm: options.algorithm ?? 'HS256' });
}
