import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onFreePort } from './ports';

export const REDIS_START_TIMEOUT_MS = 10_000;

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

export interface RedisServerOptions {
  /** TLS only (`port 0`): the server's certificate and key, and the CA a client certificate must chain to. */
  tls?: { certFile: string; keyFile: string; caFile: string; requireClientCertificate: boolean };
  /** More redis-server arguments (`--aclfile ...`). */
  args?: string[];
}

/**
 * A real redis-server on a free loopback port with its own data directory and AOF (fsync always, so that a
 * SIGKILL loses nothing that was acknowledged). Fails loudly when redis-server is not installed.
 */
export async function startRedis(options: RedisServerOptions = {}): Promise<TestRedis> {
  const dataDir = mkdtempSync(join(tmpdir(), 'chat-test-redis-'));
  const started = await onFreePort(async (port) => ({ port, child: await spawnRedis(port, dataDir, options) }));
  const { port } = started;
  let { child } = started;
  return {
    port,
    url: `${options.tls ? 'rediss' : 'redis'}://127.0.0.1:${port}`,
    dataDir,
    kill: async () => {
      await terminate(child, 'SIGKILL');
    },
    restart: async () => {
      child = await spawnRedis(port, dataDir, options);
    },
    stop: async () => {
      await terminate(child, 'SIGTERM');
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function spawnRedis(port: number, dir: string, { tls, args = [] }: RedisServerOptions): Promise<ChildProcess> {
  const listen = tls
    ? ['--port', '0', '--tls-port', String(port), '--tls-cert-file', tls.certFile, '--tls-key-file', tls.keyFile, '--tls-ca-cert-file', tls.caFile]
    : ['--port', String(port)];
  if (tls) listen.push('--tls-auth-clients', tls.requireClientCertificate ? 'yes' : 'no');
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.env.REDIS_SERVER_BIN ?? 'redis-server',
      [...listen, '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--daemonize', 'no', ...args],
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
