import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';

const READY_TIMEOUT_MS = 10_000;
const RESTART_DELAY_MS = 1000;

/**
 * The redis-server a node runs for itself when no Redis is configured: loopback only, AOF on, data in
 * `<dataDir>/redis`. It is restarted if it dies and stopped with the node. A server left behind by a node
 * that was killed is stopped first, so two servers never share one append-only file.
 */
export class EmbeddedRedis {
  private readonly logger = new Logger('EmbeddedRedis');
  private child?: ChildProcess;
  private stopping = false;
  private port = 0;

  constructor(
    private readonly dataDir: string,
    private readonly binary: string,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<string> {
    const dir = join(this.dataDir, 'redis');
    mkdirSync(dir, { recursive: true });
    stopLeftover(join(dir, 'redis.pid'));
    this.port = await freePort();
    process.once('exit', () => this.child?.kill('SIGKILL'));
    await this.spawnServer(dir);
    this.logger.log(`redis-server ${this.url} (data in ${dir}, AOF on)`);
    return this.url;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      const killTimer = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.once('exit', () => {
        clearTimeout(killTimer);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }

  private spawnServer(dir: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn(
        this.binary,
        ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', dir, '--pidfile', join(dir, 'redis.pid'),
          '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '', '--daemonize', 'no', '--protected-mode', 'yes'],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      this.child = child;
      let output = '';
      const timer = setTimeout(() => reject(new Error(`redis-server did not start within ${READY_TIMEOUT_MS} ms:\n${output}`)), READY_TIMEOUT_MS);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(
          error.code === 'ENOENT'
            ? new Error(`redis-server not found. Install it (Debian: apt-get install -y redis-server) or set REDIS_URL.`)
            : error,
        );
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        if (this.stopping) return;
        reject(new Error(`redis-server exited (${signal ?? code}):\n${output}`));
        this.logger.error(`redis-server exited unexpectedly (${signal ?? code}); restarting`);
        setTimeout(() => {
          if (!this.stopping) this.spawnServer(dir).catch((error: Error) => this.logger.error(error.message));
        }, RESTART_DELAY_MS);
      });
    });
  }
}

function stopLeftover(pidFile: string): void {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  rmSync(pidFile, { force: true });
  if (!Number.isInteger(pid) || pid <= 0) return;
  try {
    const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (command.includes('redis-server')) process.kill(pid, 'SIGKILL');
  } catch {
    // the process is gone already
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

