import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { connect, nextEvent, requestOk } from '../support/clients';
import { untilStatus } from '../support/http';
import { startDeadlineMs, timeoutForNodeStarts } from '../support/nodes';
import { freePort, onFreePort, PORT_ATTEMPTS } from '../support/ports';
import { REDIS_START_TIMEOUT_MS, startRedis, TestRedis } from '../support/redis-server';
import { makeToken, TEST_JWT_SECRET } from '../support/tokens';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const PM2 = join(ROOT, 'node_modules', '.bin', 'pm2');

describe('PM2 ecosystem (ecosystem.config.js): several nodes on one host', () => {
  let redis: TestRedis;
  let pm2Home: string;
  let ports: number[];
  const pm2 = (...args: string[]) =>
    run(PM2, args, {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        HOME: pm2Home,
        PM2_HOME: pm2Home,
        REDIS_URL: redis.url,
        CHAT_PORTS: ports.join(','),
        JWT_SECRET: TEST_JWT_SECRET,
        HOST: '127.0.0.1',
      },
    });

  /** What a PM2 app printed so far: PM2 writes its stdout and stderr to files named after it under PM2_HOME/logs. */
  const printed = (port: number) => {
    const logs = join(pm2Home, 'logs');
    if (!existsSync(logs)) return '';
    return readdirSync(logs)
      .filter((file) => file.startsWith(`chat-${port}-`))
      .map((file) => readFileSync(join(logs, file), 'utf8'))
      .join('');
  };

  /** Until every node says it listens on its port; a node that found its port taken fails the attempt as EADDRINUSE. */
  async function untilListening(): Promise<void> {
    const giveUpAt = Date.now() + startDeadlineMs();
    for (;;) {
      const outputs = ports.map(printed);
      const taken = outputs.find((output) => /EADDRINUSE/.test(output));
      if (taken !== undefined) throw Object.assign(new Error(`a node found its port taken:\n${taken}`), { code: 'EADDRINUSE' });
      if (ports.every((port, i) => outputs[i].includes(`Listening on http://127.0.0.1:${port} `))) return;
      if (Date.now() > giveUpAt) throw new Error(`the PM2 nodes did not listen within ${startDeadlineMs()} ms:\n${outputs.join('\n')}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  beforeAll(
    async () => {
      redis = await startRedis();
      pm2Home = mkdtempSync(join(tmpdir(), 'chat-test-pm2-'));
      await onFreePort(
        async (candidates) => {
          ports = candidates;
          await pm2('start', 'ecosystem.config.js');
          await untilListening().catch(async (error: Error) => {
            await pm2('delete', 'all').catch(() => undefined);
            throw error;
          });
        },
        async () => [await freePort(), await freePort()],
      );
      // every attempt starts PM2's daemon or two nodes at once
    },
    REDIS_START_TIMEOUT_MS + timeoutForNodeStarts(1 + PORT_ATTEMPTS),
  );
  afterAll(async () => {
    if (pm2Home) await pm2('kill').catch(() => undefined);
    await redis?.stop();
    if (pm2Home) rmSync(pm2Home, { recursive: true, force: true });
  });

  it('runs one production node per port with its own NODE_ID on the shared Redis, and messages cross them', async () => {
    const urls = ports.map((port) => `http://127.0.0.1:${port}`);
    await Promise.all(urls.map((url) => untilStatus(`${url}/health/ready`, 200, startDeadlineMs())));
    const processes = JSON.parse((await pm2('jlist')).stdout) as {
      name: string;
      pm2_env: { status: string; exec_mode: string; env: Record<string, string> };
    }[];
    expect(
      processes.map(({ name, pm2_env }) => ({
        name,
        status: pm2_env.status,
        mode: pm2_env.exec_mode,
        port: pm2_env.env.PORT,
        nodeId: pm2_env.env.NODE_ID,
        redis: pm2_env.env.REDIS_URL,
      })),
    ).toEqual(
      ports.map((port) => ({ name: `chat-${port}`, status: 'online', mode: 'fork_mode', port: String(port), nodeId: `chat-${port}`, redis: redis.url })),
    );

    const alice = await connect(urls[0], { token: makeToken({ sub: 'alice' }) });
    const bob = await connect(urls[1], { token: makeToken({ sub: 'bob' }) });
    await requestOk(alice, 'room:join', { room: 'pm2-room' });
    await requestOk(bob, 'room:join', { room: 'pm2-room' });
    const toBob = nextEvent(bob, 'message');
    const sent = await requestOk(alice, 'message:send', { room: 'pm2-room', content: 'across PM2 nodes' });
    expect(await toBob).toEqual(sent);
    const toAlice = nextEvent(alice, 'message');
    const back = await requestOk(bob, 'message:send', { room: 'pm2-room', content: 'and back' });
    expect(await toAlice).toEqual(back);
  });
});
