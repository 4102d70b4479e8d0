import { ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readlinkSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { EMBEDDED_REDIS_PASSWORD_FILE, readOrCreateSecretFile } from '../config/development-secret';

const READY_TIMEOUT_MS = 10_000;
const RESTART_DELAY_MS = 1000;
const LEFTOVER_EXIT_TIMEOUT_MS = 5000;
/** sockaddr_un holds 108 bytes on Linux, the terminating NUL included. */
const MAX_SOCKET_PATH_BYTES = 107;

export interface EmbeddedRedisEndpoint {
  /** The unix socket, as ioredis takes it in place of a URL. */
  url: string;
  password: string;
}

/**
 * The redis-server a node runs for itself when no Redis is configured: AOF on, data in `<dataDir>/redis`.
 * It listens on a unix socket in that directory (mode 0700) and on no TCP port, and requires a generated
 * password kept in `<dataDir>/redis-password` (mode 0600): no other local user can reach it, and there is no
 * window between choosing a port and binding it in which another process could take the port and pose as it.
 * It is restarted if it dies and stopped with the node. A server left behind by a node that was killed is
 * stopped first, so two servers never share one append-only file, but only when it provably is that server.
 */
export class EmbeddedRedis {
  private readonly logger = new Logger('EmbeddedRedis');
  private readonly dir: string;
  private readonly socketPath: string;
  private child?: ChildProcess;
  private stopping = false;

  constructor(
    private readonly dataDir: string,
    private readonly binary: string,
  ) {
    this.dir = join(dataDir, 'redis');
    this.socketPath = join(this.dir, 'redis.sock');
  }

  async start(): Promise<EmbeddedRedisEndpoint> {
    if (Buffer.byteLength(this.socketPath) > MAX_SOCKET_PATH_BYTES) {
      throw new Error(`DATA_DIR is too long for the embedded redis-server's unix socket (${this.socketPath}): choose a shorter path or set REDIS_URL`);
    }
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    chmodSync(this.dir, 0o700);
    const password = readOrCreateSecretFile(this.dataDir, EMBEDDED_REDIS_PASSWORD_FILE);
    const configFile = join(this.dir, 'redis.conf');
    // in a file of mode 0600 rather than on the command line, which every local user can read in /proc
    writeFileSync(configFile, this.configuration(password), { mode: 0o600 });
    chmodSync(configFile, 0o600);
    await this.stopLeftover();
    process.once('exit', () => this.child?.kill('SIGKILL'));
    await this.spawnServer(configFile);
    this.logger.log(`redis-server unix:${this.socketPath} (data in ${this.dir}, AOF on, password in ${EMBEDDED_REDIS_PASSWORD_FILE})`);
    return { url: this.socketPath, password };
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

  private configuration(password: string): string {
    return [
      'port 0',
      `unixsocket ${this.socketPath}`,
      'unixsocketperm 700',
      `dir ${this.dir}`,
      `pidfile ${join(this.dir, 'redis.pid')}`,
      `requirepass ${password}`,
      'appendonly yes',
      'appendfsync everysec',
      'save ""',
      'daemonize no',
      '',
    ].join('\n');
  }

  /**
   * The pid file alone proves nothing: the pid may have been reused by any process, another redis-server
   * included. Ours runs redis-server from our data directory and titles itself with our socket.
   */
  private async stopLeftover(): Promise<void> {
    const pidFile = join(this.dir, 'redis.pid');
    if (!existsSync(pidFile)) return;
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    rmSync(pidFile, { force: true });
    if (!Number.isInteger(pid) || pid <= 0 || !this.isOurServer(pid)) return;
    this.logger.warn(`stopping the redis-server (pid ${pid}) a previous node left running on this data directory`);
    process.kill(pid, 'SIGKILL');
    const giveUpAt = Date.now() + LEFTOVER_EXIT_TIMEOUT_MS;
    while (existsSync(`/proc/${pid}`) && Date.now() < giveUpAt) await new Promise((resolve) => setTimeout(resolve, 20));
  }

  private isOurServer(pid: number): boolean {
    try {
      const title = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      return (
        title.startsWith('redis-server ') && title.includes(`unixsocket:${this.socketPath}`) && readlinkSync(`/proc/${pid}/cwd`) === realpathSync(this.dir)
      );
    } catch {
      return false; // gone already, or not ours to inspect
    }
  }

  private spawnServer(configFile: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.binary, [configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
      this.child = child;
      let output = '';
      const timer = setTimeout(() => reject(new Error(`redis-server did not start within ${READY_TIMEOUT_MS} ms:\n${output}`)), READY_TIMEOUT_MS);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        // "Ready to accept connections" with a TCP port, "ready to accept connections at <socket>" without one
        if (/ready to accept connections/i.test(output)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(error.code === 'ENOENT' ? new Error(`redis-server not found. Install it (Debian: apt-get install -y redis-server) or set REDIS_URL.`) : error);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        if (this.stopping) return;
        reject(new Error(`redis-server exited (${signal ?? code}):\n${output}`));
        this.logger.error(`redis-server exited unexpectedly (${signal ?? code}); restarting`);
        setTimeout(() => {
          if (!this.stopping) this.spawnServer(configFile).catch((error: Error) => this.logger.error(error.message));
        }, RESTART_DELAY_MS);
      });
    });
  }
}
