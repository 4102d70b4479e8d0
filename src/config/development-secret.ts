import { randomBytes } from 'node:crypto';
import { chmodSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const DEVELOPMENT_SECRET_FILE = 'jwt-dev-secret';
export const EMBEDDED_REDIS_PASSWORD_FILE = 'redis-password';

/**
 * Development only: a random HS256 secret kept under the data directory so that a fresh
 * `npm start` works and `npm run token` can sign tokens the running server accepts.
 */
export function readOrCreateDevelopmentSecret(dataDir: string): string {
  return readOrCreateSecretFile(dataDir, DEVELOPMENT_SECRET_FILE);
}

/**
 * A random secret created once in `directory` (only its owner may read it); every reader after gets the same.
 * Written aside and linked into place, so that processes starting together on a shared volume never read a
 * half-written file: the first link wins, the others read it.
 */
export function readOrCreateSecretFile(directory: string, name: string): string {
  const file = join(directory, name);
  // a random name, not the pid: containers sharing the volume may all run as pid 1
  const draft = `${file}.${randomBytes(8).toString('hex')}.draft`;
  mkdirSync(directory, { recursive: true, mode: 0o700 });
  writeFileSync(draft, randomBytes(32).toString('hex'), { mode: 0o600 });
  try {
    linkSync(draft, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    rmSync(draft, { force: true });
  }
  // a file left by an older version or copied in may be readable by others
  chmodSync(file, 0o600);
  return readFileSync(file, 'utf8').trim();
}
