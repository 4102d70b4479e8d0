import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * End-to-end tests run the built server and a real redis-server. Both must be there: a missing one fails
 * the run loudly instead of skipping tests.
 */
export default function globalSetup(): void {
  const main = join(__dirname, '..', '..', 'dist', 'main.js');
  if (!existsSync(main)) throw new Error(`${main} is missing: run "npm run build" first (npm test does it)`);
  try {
    execFileSync(process.env.REDIS_SERVER_BIN ?? 'redis-server', ['--version'], { stdio: 'pipe' });
  } catch {
    throw new Error('redis-server is not installed: apt-get install -y redis-server (the end-to-end tests need a real one)');
  }
}
