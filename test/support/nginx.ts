import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { untilStatus } from './http';
import { onFreePort } from './ports';

const SHIPPED_CONFIG = join(__dirname, '..', '..', 'docker', 'nginx.conf');
const START_TIMEOUT_MS = 10_000;

/** One line of the shipped `chat_upstream` access log format. */
export interface AccessLogEntry {
  remoteAddress: string;
  request: string;
  status: number;
  upstream: string;
}

export interface TestNginx {
  readonly url: string;
  /** Every request logged so far. */
  accessLog(): AccessLogEntry[];
  stop(): Promise<void>;
}

/**
 * A real nginx (Debian's package) on a free loopback port, running the shipped docker/nginx.conf with only
 * its upstream servers pointed at `nodeUrls` (in order: chat-1, chat-2, ...) and its listen port changed.
 * Runs unprivileged from a temporary prefix directory, in the foreground, so that the test owns the process.
 */
export function startNginx(nodeUrls: string[]): Promise<TestNginx> {
  return onFreePort((port) => startNginxOn(port, nodeUrls));
}

async function startNginxOn(port: number, nodeUrls: string[]): Promise<TestNginx> {
  const dir = mkdtempSync(join(tmpdir(), 'chat-test-nginx-'));
  writeFileSync(join(dir, 'chat.conf'), pointAtNodes(readFileSync(SHIPPED_CONFIG, 'utf8'), nodeUrls, port));
  const temp = (name: string) => {
    mkdirSync(join(dir, name));
    return join(dir, name);
  };
  writeFileSync(
    join(dir, 'nginx.conf'),
    [
      'daemon off;',
      'worker_processes 1;',
      `pid ${join(dir, 'nginx.pid')};`,
      'error_log stderr warn;',
      'events { worker_connections 1024; }',
      'http {',
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((kind) => `  ${kind}_temp_path ${temp(kind)};`),
      `  include ${join(dir, 'chat.conf')};`,
      '}',
      '',
    ].join('\n'),
  );
  // the shipped config logs to /dev/stdout, which cannot be opened on a pipe: stdout goes to a file
  const accessLogFile = join(dir, 'access.log');
  const accessLogFd = openSync(accessLogFile, 'a');
  const child = spawn(process.env.NGINX_BIN ?? 'nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', 'stderr'], { stdio: ['ignore', accessLogFd, 'pipe'] });
  closeSync(accessLogFd);
  let errors = '';
  child.stderr!.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (error) => reject(new Error(`cannot run nginx (apt-get install -y nginx): ${error.message}`)));
    void exited.then(() => reject(new Error(`nginx exited:\n${errors}`)));
  });
  failed.catch(() => undefined);
  const url = `http://127.0.0.1:${port}`;
  const accessLog = () => parseAccessLog(readFileSync(accessLogFile, 'utf8'));
  const stop = async () => {
    await terminate(child, exited);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await Promise.race([untilStatus(`${url}/health/live`, 200, START_TIMEOUT_MS), failed]);
    // another process that took the port first could have answered: this nginx logs every request it passed on
    if (!accessLog().some((entry) => entry.request.includes('/health/live'))) {
      throw Object.assign(new Error(`port ${port} answered, but not through this nginx: address already in use`), { code: 'EADDRINUSE' });
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, accessLog, stop };
}

function pointAtNodes(config: string, nodeUrls: string[], port: number): string {
  const servers = [...config.matchAll(/^(\s*server\s+)chat-(\d+):3000\b/gm)];
  if (servers.length !== nodeUrls.length) {
    throw new Error(`docker/nginx.conf lists ${servers.length} upstream servers, the test started ${nodeUrls.length} nodes`);
  }
  return config
    .replace(/^(\s*server\s+)chat-(\d+):3000\b/gm, (_, prefix: string, index: string) => `${prefix}${new URL(nodeUrls[Number(index) - 1]).host}`)
    .replace(/^(\s*listen\s+)80;/m, `$1127.0.0.1:${port};`);
}

const LOG_LINE = /^(\S+) \[[^\]]+\] "([^"]*)" (\d{3}) upstream=(\S+)/;

function parseAccessLog(text: string): AccessLogEntry[] {
  return text
    .split('\n')
    .map((line) => LOG_LINE.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => ({ remoteAddress: match[1], request: match[2], status: Number(match[3]), upstream: match[4] }));
}

async function terminate(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    // QUIT would wait for open WebSockets and long polls; TERM is nginx's fast shutdown
    child.kill('SIGTERM');
    await exited;
  }
}
