import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports';

export const REDIS_START_TIMEOUT_MS = 10_000;
/** Files run in parallel: a port free a moment ago may be taken by another file's server before ours binds it. */
const PORT_ATTEMPTS = 3;

export interface TestRedis {
  readonly port: number;
  readonly url: string;
  readonly dataDir: string;
  /** SIGKILL: no shutdown, no final fsync; the AOF holds what was fsynced. */
  kill(): Promise<void>;
  /** Starts it again on the same port and data directory. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A real redis-server on a free loopback port with its own data directory and AOF (fsync always, so that a
 * SIGKILL loses nothing that was acknowledged). Fails loudly when redis-server is not installed.
 */
export async function startRedis(): Promise<TestRedis> {
  const dataDir = mkdtempSync(join(tmpdir(), 'chat-test-redis-'));
  const started = await spawnOnFreePort(dataDir);
  const { port } = started;
  let { child } = started;
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dataDir,
    kill: async () => {
      await terminate(child, 'SIGKILL');
    },
    restart: async () => {
      child = await spawnRedis(port, dataDir);
    },
    stop: async () => {
      await terminate(child, 'SIGTERM');
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function spawnOnFreePort(dataDir: string): Promise<{ port: number; child: ChildProcess }> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      return { port, child: await spawnRedis(port, dataDir) };
    } catch (error) {
      if (attempt === PORT_ATTEMPTS || !(error as Error).message.includes('Address already in use')) throw error;
    }
  }
}

function spawnRedis(port: number, dir: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.env.REDIS_SERVER_BIN ?? 'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--daemonize', 'no'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    const timer = setTimeout(() => reject(new Error(`redis-server did not start on ${port}:\n${output}`)), REDIS_START_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot run redis-server (apt-get install -y redis-server): ${error.message}`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code}:\n${output}`));
    });
  });
}

function terminate(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}
