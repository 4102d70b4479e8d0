import { ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freeClusterPort, onFreePort } from './ports';

const run = promisify(execFile);
const START_TIMEOUT_MS = 10_000;

export interface TestRedisCluster {
  /** host:port list, as REDIS_CLUSTER_NODES takes it. */
  readonly nodes: string;
  /** The masters' ports. */
  readonly ports: number[];
  /** SIGKILLs the master on `port`. */
  kill(port: number): Promise<void>;
  /** Starts the master on `port` again with its cluster configuration; its data is gone (no persistence). */
  restart(port: number): Promise<void>;
  stop(): Promise<void>;
}

/** A real three-master Redis Cluster on loopback (no replicas), made with `redis-cli --cluster create`. */
export async function startRedisCluster(masters = 3): Promise<TestRedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'chat-test-cluster-'));
  const ports: number[] = [];
  const children = new Map<number, ChildProcess>();
  for (let i = 0; i < masters; i++) {
    const [port, child] = await onFreePort(async (free) => [free, await spawnClusterNode(free, join(dir, String(free)))] as const, freeClusterPort);
    ports.push(port);
    children.set(port, child);
  }
  const addresses = ports.map((port) => `127.0.0.1:${port}`);
  await run('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes']);
  await waitForClusterOk(ports);
  const kill = (child: ChildProcess) =>
    new Promise<void>((resolve) =>
      child.exitCode !== null || child.signalCode !== null ? resolve() : (child.once('exit', () => resolve()), child.kill('SIGKILL')),
    );
  return {
    nodes: addresses.join(','),
    ports,
    kill: (port) => kill(children.get(port)!),
    restart: async (port) => {
      children.set(port, await spawnClusterNode(port, join(dir, String(port))));
      await waitForClusterOk(ports);
    },
    stop: async () => {
      await Promise.all([...children.values()].map(kill));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function spawnClusterNode(port: number, dir: string): Promise<ChildProcess> {
  mkdirSync(dir, { recursive: true });
  return new Promise((resolve, reject) => {
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        'nodes.conf',
        '--save',
        '',
        '--appendonly',
        'no',
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    const timer = setTimeout(() => reject(new Error(`cluster node ${port} did not start:\n${output}`)), START_TIMEOUT_MS);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.once('error', (error) => reject(new Error(`cannot run redis-server: ${error.message}`)));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`cluster node ${port} exited with ${code}:\n${output}`));
    });
  });
}

async function waitForClusterOk(ports: number[]): Promise<void> {
  const giveUpAt = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const states = await Promise.all(ports.map((port) => run('redis-cli', ['-p', String(port), 'cluster', 'info']).then(({ stdout }) => stdout)));
    if (states.every((info) => info.includes('cluster_state:ok'))) return;
    if (Date.now() > giveUpAt) throw new Error(`cluster not ok:\n${states.join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
