import { createSign, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/app-config';
import { readOrCreateDevelopmentSecret } from '../config/development-secret';
import { randomUUID } from 'node:crypto';

/**
 * Development helper: prints a token the local server accepts, signed with JWT_SECRET or the development
 * secret. `npm run token -- --sub alice [--name Alice] [--roles admin] [--rooms 'team-*'] [--ttl 3600]`
 */
function main(): void {
  const { values } = parseArgs({
    options: {
      sub: { type: 'string' },
      name: { type: 'string' },
      roles: { type: 'string' },
      rooms: { type: 'string' },
      ttl: { type: 'string', default: '3600' },
      'private-key': { type: 'string' },
    },
  });
  if (!values.sub) {
    console.error('usage: npm run token -- --sub <user id> [--name N] [--roles admin,...] [--rooms a,b*] [--ttl seconds]');
    process.exit(2);
  }
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = { sub: values.sub, iat: now, exp: now + Number(values.ttl), jti: randomUUID() };
  if (values.name) claims.name = values.name;
  if (values.roles) claims.roles = values.roles.split(',');
  if (values.rooms) claims.rooms = values.rooms.split(',');
  const config = loadConfig(process.env, readOrCreateDevelopmentSecret);
  if (config.jwt.issuer) claims.iss = config.jwt.issuer;
  if (config.jwt.audience) claims.aud = config.jwt.audience;
  const privateKey = values['private-key'] ? readFileSync(values['private-key'], 'utf8') : undefined;
  console.log(sign(claims, privateKey ?? config.jwt.secret!, privateKey ? 'RS256' : 'HS256'));
}

function sign(claims: Record<string, unknown>, key: string, alg: 'HS256' | 'RS256'): string {
  const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url');
  const input = `${encode({ alg, typ: 'JWT' })}.${encode(claims)}`;
  const signature =
    alg === 'HS256' ? createHmac('sha256', key).update(input).digest('base64url') : createSign('RSA-SHA256').update(input).sign(key, 'base64url');
  return `${input}.${signature}`;
}

main();
