import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const DEVELOPMENT_SECRET_FILE = 'jwt-dev-secret';
export const EMBEDDED_REDIS_PASSWORD_FILE = 'redis-password';

/**
 * A random secret kept under the data directory, readable by its owner only, created on first use: the same
 * value across restarts, so that tokens and data written before stay usable.
 */
export function readOrCreateSecretFile(dataDir: string, fileName: string): string {
  const file = join(dataDir, fileName);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  try {
    writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  // a file left by an older version or copied in may be readable by others
  chmodSync(file, 0o600);
  return readFileSync(file, 'utf8').trim();
}

/**
 * Development only: an HS256 secret so that a fresh `npm start` works and `npm run token` can sign tokens
 * the running server accepts.
 */
export function readOrCreateDevelopmentSecret(dataDir: string): string {
  return readOrCreateSecretFile(dataDir, DEVELOPMENT_SECRET_FILE);
}
