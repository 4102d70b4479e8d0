import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onFreePort } from './ports';

const START_TIMEOUT_MS = 10_000;

export interface TestSentinel {
  /** host:port, as REDIS_SENTINELS takes it. */
  readonly address: string;
  readonly masterName: string;
  stop(): Promise<void>;
}

/** A real Redis Sentinel (redis-server in sentinel mode) watching `masterPort` on loopback. */
export async function startSentinel(masterPort: number, masterName = 'chat-master'): Promise<TestSentinel> {
  const dir = mkdtempSync(join(tmpdir(), 'chat-test-sentinel-'));
  const { port, child } = await onFreePort(async (free) => ({ port: free, child: await spawnSentinel(free, dir, masterPort, masterName) })).catch(
    (error: Error) => {
      rmSync(dir, { recursive: true, force: true });
      throw error;
    },
  );
  return {
    address: `127.0.0.1:${port}`,
    masterName,
    stop: async () => {
      if (child.exitCode === null) await new Promise<void>((resolve) => (child.once('exit', () => resolve()), child.kill('SIGKILL')));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function spawnSentinel(port: number, dir: string, masterPort: number, masterName: string): Promise<ChildProcess> {
  const config = join(dir, 'sentinel.conf');
  writeFileSync(
    config,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `sentinel monitor ${masterName} 127.0.0.1 ${masterPort} 1`,
      `sentinel down-after-milliseconds ${masterName} 5000`,
      '',
    ].join('\n'),
  );
  return new Promise<ChildProcess>((resolve, reject) => {
    const sentinel = spawn(process.env.REDIS_SERVER_BIN ?? 'redis-server', [config, '--sentinel'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const timer = setTimeout(() => reject(new Error(`sentinel did not start:\n${output}`)), START_TIMEOUT_MS);
    sentinel.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('+monitor master')) {
        clearTimeout(timer);
        resolve(sentinel);
      }
    });
    sentinel.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sentinel exited with ${code}:\n${output}`));
    });
  });
}
