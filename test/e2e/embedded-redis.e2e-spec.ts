import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { connect, requestOk } from '../support/clients';
import { startNode, timeoutForNodeStarts } from '../support/nodes';
import { REDIS_START_TIMEOUT_MS, startRedis } from '../support/redis-server';
import { makeToken } from '../support/tokens';

/** A test that starts `starts` nodes one after another, each with its own redis-server and AOF, and works 10 s besides. */
const timeoutForEmbeddedStarts = (starts: number) => timeoutForNodeStarts(starts, starts * REDIS_START_TIMEOUT_MS + 10_000);

const modeOf = (path: string) => statSync(path).mode & 0o777;
const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('the embedded redis-server', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'chat-embedded-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));
  const start = () => startNode({ NODE_ENV: 'development', REDIS_URL: '', DATA_DIR: dataDir });

  it(
    'listens on no TCP port, only on a socket in a 0700 directory, and requires a password kept in a 0600 file',
    async () => {
      const node = await start();
      try {
        const redisDir = join(dataDir, 'redis');
        const socketPath = join(redisDir, 'redis.sock');
        const pid = Number(readFileSync(join(redisDir, 'redis.pid'), 'utf8'));
        const password = readFileSync(join(dataDir, 'redis-password'), 'utf8').trim();

        expect(modeOf(redisDir)).toBe(0o700);
        expect(modeOf(join(dataDir, 'redis-password'))).toBe(0o600);
        expect(modeOf(join(redisDir, 'redis.conf'))).toBe(0o600);
        expect(password).toMatch(/^[0-9a-f]{64}$/);
        expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8')).not.toContain(password);
        expect(modeOf(socketPath) & 0o077).toBe(0);
        expect(tcpListenersOf(pid)).toEqual([]);

        expect(await replyWithoutPassword(socketPath, 'KEYS *')).toMatch(/^-NOAUTH/);
        const owner = new Redis({ path: socketPath, password, lazyConnect: true });
        await owner.connect();
        expect(await owner.ping()).toBe('PONG');
        owner.disconnect();

        const alice = await connect(node.url, { token: makeToken({ sub: 'alice' }) });
        await requestOk(alice, 'room:join', { room: 'lobby' });
        await requestOk(alice, 'message:send', { room: 'lobby', content: 'stored through the socket' });
      } finally {
        expect(await node.stop('SIGTERM')).toBe(0);
      }
    },
    timeoutForEmbeddedStarts(1),
  );

  it(
    'stops a server a killed node left behind on its data directory, and keeps its data',
    async () => {
      const first = await start();
      const leftover = Number(readFileSync(join(dataDir, 'redis', 'redis.pid'), 'utf8'));
      const alice = await connect(first.url, { token: makeToken({ sub: 'alice' }) });
      await requestOk(alice, 'room:join', { room: 'lobby' });
      const stored = await requestOk(alice, 'message:send', { room: 'lobby', content: 'before the crash' });
      alice.close();
      await first.stop('SIGKILL');
      expect(isAlive(leftover)).toBe(true);

      const second = await start();
      try {
        expect(isAlive(leftover)).toBe(false);
        expect(second.logs()).toContain(`stopping the redis-server (pid ${leftover})`);
        const again = await connect(second.url, { token: makeToken({ sub: 'alice' }) });
        expect((await requestOk(again, 'room:join', { room: 'lobby' })).messages).toEqual([stored]);
      } finally {
        expect(await second.stop('SIGTERM')).toBe(0);
      }
    },
    timeoutForEmbeddedStarts(2),
  );

  it(
    'leaves alone a redis-server that a stale pid file names but that is not its own',
    async () => {
      const stranger = await startRedis();
      try {
        const probe = new Redis(stranger.url);
        const strangerPid = Number(/process_id:(\d+)/.exec(await probe.info('server'))![1]);
        probe.disconnect();
        mkdirSync(join(dataDir, 'redis'), { recursive: true });
        writeFileSync(join(dataDir, 'redis', 'redis.pid'), String(strangerPid));
        const node = await start();
        try {
          expect(isAlive(strangerPid)).toBe(true);
          const client = new Redis(stranger.url);
          expect(await client.ping()).toBe('PONG');
          client.disconnect();
        } finally {
          expect(await node.stop('SIGTERM')).toBe(0);
        }
      } finally {
        await stranger.stop();
      }
    },
    timeoutForEmbeddedStarts(1) + REDIS_START_TIMEOUT_MS,
  );
});

/** The first reply of the server on `path` to an inline command sent without authenticating. */
function replyWithoutPassword(path: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = netConnect(path, () => socket.write(`${command}\r\n`));
    socket.once('data', (reply) => {
      socket.destroy();
      resolve(reply.toString());
    });
    socket.once('error', reject);
  });
}

/** The TCP ports a process listens on (state 0A in /proc/net/tcp*), found through the inodes of its sockets. */
function tcpListenersOf(pid: number): string[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
    if (match) inodes.add(match[1]);
  }
  return [readFileSync('/proc/net/tcp', 'utf8'), readFileSync('/proc/net/tcp6', 'utf8')]
    .flatMap((table) => table.split('\n').slice(1))
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields[3] === '0A' && inodes.has(fields[9]))
    .map((fields) => fields[1]);
}
