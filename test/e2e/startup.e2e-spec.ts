import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, nextEvent, requestOk } from '../support/clients';
import { startDeadlineMs, startNode, timeoutForNodeStarts } from '../support/nodes';

const DIST = join(__dirname, '..', '..', 'dist');

function runMain(env: Record<string, string>) {
  return spawnSync(process.execPath, [join(DIST, 'main.js')], { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8', timeout: startDeadlineMs() });
}

function isSocketClosed(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

describe('start-up', () => {
  it.each([
    ['PORT', 'eighty'],
    ['REDIS_URL', 'localhost:6379'],
    ['THROTTLE_WS_LIMIT', 'lots'],
  ])('stops with exit code 1 and names the variable when %s=%s', (name, value) => {
    const result = runMain({ [name]: value, JWT_SECRET: 'x'.repeat(40) });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`Invalid configuration: ${name}`);
  });

  it('stops with exit code 1 before listening, naming the library, its version and the internal, when an upgrade removed one it relies on', () => {
    const dir = mkdtempSync(join(tmpdir(), 'chat-seam-'));
    try {
      // what an upgrade of Socket.IO that dropped the private method the /ws bridge calls would look like
      const preload = join(dir, 'drop-onconnection.js');
      writeFileSync(preload, `delete require(require.resolve('socket.io', { paths: [${JSON.stringify(DIST)}] })).Server.prototype.onconnection;\n`);
      const socketIoVersion = (JSON.parse(readFileSync(require.resolve('socket.io/package.json'), 'utf8')) as { version: string }).version;

      const result = runMain({ NODE_OPTIONS: `--require ${preload}`, JWT_SECRET: 'x'.repeat(40), REDIS_URL: 'redis://127.0.0.1:1' });

      expect(result.status).toBe(1);
      expect(result.stderr).toContain(`socket.io ${socketIoVersion}: Server#onconnection`);
      expect(`${result.stdout}${result.stderr}`).not.toContain('Listening on');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to start in production without a JWT key', () => {
    const result = runMain({ NODE_ENV: 'production', REDIS_URL: 'redis://127.0.0.1:1' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('JWT_SECRET or JWT_PUBLIC_KEY is required in production');
  });
});

describe('with no Redis configured (the one-command start)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'chat-embedded-'));
  const env = { NODE_ENV: 'development', JWT_SECRET: '', REDIS_URL: '', DATA_DIR: dataDir };
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it(
    'runs its own redis-server with AOF, accepts tokens from `npm run token`, keeps history across restarts, and stops it all on SIGTERM',
    async () => {
      const node = await startNode(env);
      const redisSocket = /redis-server unix:(\S+)/.exec(node.logs())?.[1] ?? '';
      expect(existsSync(redisSocket)).toBe(true);
      expect(node.logs()).toContain('npm run token');

      const token = execFileSync(process.execPath, [join(DIST, 'scripts', 'token.js'), '--sub', 'alice', '--name', 'Alice'], {
        env: { PATH: process.env.PATH, DATA_DIR: dataDir },
        encoding: 'utf8',
      }).trim();
      const alice = await connect(node.url, { token });
      await requestOk(alice, 'room:join', { room: 'lobby' });
      const stored = await requestOk(alice, 'message:send', { room: 'lobby', content: 'persisted' });
      expect(existsSync(join(dataDir, 'redis'))).toBe(true);
      expect((await fetch(`${node.url}/health/ready`)).status).toBe(200);

      const told = nextEvent(alice, 'session');
      expect(await node.stop('SIGTERM')).toBe(0);
      expect(await told).toEqual({ reason: 'shutdown' });
      expect(await isSocketClosed(redisSocket)).toBe(true);

      const restarted = await startNode(env);
      try {
        const again = await connect(restarted.url, { token });
        const joined = await requestOk(again, 'room:join', { room: 'lobby' });
        expect(joined.messages).toEqual([stored]);
      } finally {
        expect(await restarted.stop('SIGTERM')).toBe(0);
      }
      // two node starts one after another, and the token script and two drains: about a third
    },
    timeoutForNodeStarts(3),
  );
});
