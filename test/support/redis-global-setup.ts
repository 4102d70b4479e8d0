import { execFileSync } from 'node:child_process';

/** The Redis tier needs a real redis-server: a missing one fails the run loudly instead of skipping tests. */
export default function redisGlobalSetup(): void {
  try {
    execFileSync(process.env.REDIS_SERVER_BIN ?? 'redis-server', ['--version'], { stdio: 'pipe' });
  } catch {
    throw new Error('redis-server is not installed: apt-get install -y redis-server (the Redis tier runs every Lua script on a real one)');
  }
}
