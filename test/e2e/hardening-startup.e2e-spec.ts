import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpStatus } from '../support/http';
import { startDeadlineMs, startNode } from '../support/nodes';
import { startRedis, TestRedis } from '../support/redis-server';
import { TEST_JWT_SECRET } from '../support/tokens';

const MAIN = join(__dirname, '..', '..', 'dist', 'main.js');

/** An address of this machine that is not loopback: what another machine on its network would connect to. */
function nonLoopbackAddress(): string {
  const address = Object.values(networkInterfaces())
    .flat()
    .find((candidate) => candidate?.family === 'IPv4' && !candidate.internal);
  if (!address) throw new Error('this test needs a non-loopback IPv4 address on a network interface');
  return address.address;
}

/** How a TCP connection to `host:port` ends: `connected`, or the error code (ECONNREFUSED: nothing listens there). */
function tcpConnection(host: string, port: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port: Number(port), timeout: 5000 });
    socket.once('connect', () => (socket.destroy(), resolve('connected')));
    socket.once('timeout', () => (socket.destroy(), resolve('timeout')));
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

describe('where a node listens by default', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(() => redis?.stop());

  it('a development node (NODE_ENV unset) listens on loopback only unless HOST says otherwise', async () => {
    const node = await startNode({ NODE_ENV: undefined, HOST: undefined, REDIS_URL: redis.url });
    try {
      const port = new URL(node.url).port;
      expect(node.logs()).toContain(`Listening on http://127.0.0.1:${port}`);
      // refused, not merely unanswered: nothing listens on the machine's network address
      expect(await tcpConnection(nonLoopbackAddress(), port)).toBe('ECONNREFUSED');
      expect(await httpStatus(`${node.url}/health/live`)).toBe(200);
    } finally {
      await node.stop('SIGKILL');
    }
  });

  it('a production node listens on every interface', async () => {
    const node = await startNode({ NODE_ENV: 'production', HOST: undefined, REDIS_URL: redis.url });
    try {
      const port = new URL(node.url).port;
      expect(node.logs()).toContain(`Listening on http://0.0.0.0:${port}`);
      expect(await httpStatus(`http://${nonLoopbackAddress()}:${port}/health/live`)).toBe(200);
    } finally {
      await node.stop('SIGKILL');
    }
  });
});

describe('production without a Redis setting', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'chat-production-embedded-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('refuses to start, naming the Redis variables, instead of running a private redis-server', () => {
    const result = spawnSync(process.execPath, [MAIN], {
      env: { PATH: process.env.PATH, NODE_ENV: 'production', JWT_SECRET: TEST_JWT_SECRET, PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir },
      encoding: 'utf8',
      timeout: startDeadlineMs(),
    });
    // a start that hung until the deadline shows as the signal that ended it, not as a wrong exit status
    expect({ status: result.status, signal: result.signal }).toEqual({ status: 1, signal: null });
    for (const name of ['REDIS_URL', 'REDIS_CLUSTER_NODES', 'REDIS_SENTINELS', 'REDIS_EMBEDDED=true']) expect(result.stderr).toContain(name);
  });

  it('runs its own redis-server when REDIS_EMBEDDED=true says so', async () => {
    const node = await startNode({ NODE_ENV: 'production', REDIS_EMBEDDED: 'true', DATA_DIR: dataDir });
    try {
      expect(node.logs()).toMatch(/redis-server unix:/);
    } finally {
      expect(await node.stop('SIGTERM')).toBe(0);
    }
  });
});
