import { ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Socket } from 'socket.io-client';
import { nextEvent, request, requestOk } from './clients';
import { freeClusterPort, onFreePort } from './ports';
import { startRedis, TestRedis } from './redis-server';
import { startSentinel, TestSentinel } from './redis-sentinel';

const run = promisify(execFile);
const SETTLE_TIMEOUT_MS = 15_000;

export async function redisCli(port: number, ...args: string[]): Promise<string> {
  return (await run('redis-cli', ['-p', String(port), ...args])).stdout.trim();
}

/** Polls `check` until it returns a value; for Redis states that only show through a command (replication, elections). */
export async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = SETTLE_TIMEOUT_MS): Promise<T> {
  const giveUpAt = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > giveUpAt) throw new Error(`${what}: not reached within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export interface SentinelGroup {
  readonly master: TestRedis;
  readonly replica: TestRedis;
  readonly sentinels: TestSentinel[];
  /** REDIS_SENTINELS / REDIS_SENTINEL_NAME for the nodes. */
  readonly env: Record<string, string>;
  /** The port the sentinels currently name as master. */
  masterPort(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * A master, one replica in sync with it, and `count` sentinels (quorum: a majority) that have found the
 * replica and each other, with a short `down-after-milliseconds` so that a failover fits in a test.
 */
export async function startSentinelGroup(count = 3, downAfterMs = 1000): Promise<SentinelGroup> {
  const master = await startRedis();
  const replica = await startRedis();
  await redisCli(replica.port, 'replicaof', '127.0.0.1', String(master.port));
  await until('replica in sync', async () => ((await redisCli(replica.port, 'info', 'replication')).includes('master_link_status:up') ? true : undefined));
  const sentinels = await Promise.all(Array.from({ length: count }, () => startSentinel(master.port)));
  const name = sentinels[0].masterName;
  const quorum = String(Math.floor(count / 2) + 1);
  for (const sentinel of sentinels) {
    const port = portOf(sentinel.address);
    await redisCli(port, 'sentinel', 'set', name, 'down-after-milliseconds', String(downAfterMs), 'failover-timeout', '10000', 'quorum', quorum);
  }
  // sentinels find replicas through the master's INFO and each other through its hello channel
  for (const sentinel of sentinels) {
    const port = portOf(sentinel.address);
    await until('sentinel sees the replica and its peers', async () => {
      const [replicas, peers] = await Promise.all([redisCli(port, 'sentinel', 'replicas', name), redisCli(port, 'sentinel', 'sentinels', name)]);
      return replicas.includes(String(replica.port)) && (peers.match(/^name$/gm)?.length ?? 0) === count - 1 ? true : undefined;
    });
  }
  return {
    master,
    replica,
    sentinels,
    env: { REDIS_SENTINELS: sentinels.map((sentinel) => sentinel.address).join(','), REDIS_SENTINEL_NAME: name },
    masterPort: async () => Number((await redisCli(portOf(sentinels[0].address), 'sentinel', 'get-master-addr-by-name', name)).split('\n')[1]),
    stop: async () => {
      await Promise.all(sentinels.map((sentinel) => sentinel.stop()));
      await Promise.all([master.stop(), replica.stop()]);
    },
  };
}

function portOf(address: string): number {
  return Number(address.split(':')[1]);
}

export interface ClusterNode {
  readonly port: number;
  kill(): Promise<void>;
}

export interface ReplicatedRedisCluster {
  /** host:port list, as REDIS_CLUSTER_NODES takes it. */
  readonly nodes: string;
  readonly members: ClusterNode[];
  /** The member that serves `slot` as master now, as the surviving members see it. */
  masterOf(slot: number): Promise<ClusterNode>;
  slotOf(key: string): Promise<number>;
  stop(): Promise<void>;
}

/**
 * A Redis Cluster of `masters` masters with one replica each, on loopback, with a short `cluster-node-timeout`
 * so that a replica takes over from a dead master within a few seconds.
 */
export async function startReplicatedRedisCluster(masters = 3, nodeTimeoutMs = 1000): Promise<ReplicatedRedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'chat-test-cluster-ha-'));
  const members: (ClusterNode & { child: ChildProcess })[] = [];
  for (let i = 0; i < masters * 2; i++) {
    const [port, child] = await onFreePort(
      async (free) => [free, await spawnClusterMember(free, join(dir, String(free)), nodeTimeoutMs)] as const,
      freeClusterPort,
    );
    members.push({ port, child, kill: () => kill(child) });
  }
  const addresses = members.map((member) => `127.0.0.1:${member.port}`);
  await run('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', '1', '--cluster-yes']);
  await until('cluster ok with every replica attached', async () => {
    const infos = await Promise.all(members.map((member) => redisCli(member.port, 'cluster', 'info')));
    const roles = await redisCli(members[0].port, 'cluster', 'nodes');
    const replicas = roles.split('\n').filter((line) => / slave /.test(line)).length;
    return infos.every((info) => info.includes('cluster_state:ok') && info.includes(`cluster_known_nodes:${masters * 2}`)) && replicas === masters
      ? true
      : undefined;
  });
  const alive = () => members.filter((member) => member.child.exitCode === null && member.child.signalCode === null);
  return {
    nodes: addresses.join(','),
    members,
    slotOf: async (key) => Number(await redisCli(members[0].port, 'cluster', 'keyslot', key)),
    masterOf: async (slot) => {
      const port = await masterPortOf(slot, alive()[0].port);
      const member = members.find((candidate) => candidate.port === port);
      if (!member) throw new Error(`no master serves slot ${slot}`);
      return member;
    },
    stop: async () => {
      await Promise.all(members.map((member) => kill(member.child)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The port of the master that serves `slot`, as the cluster member on `askPort` sees it. */
export async function masterPortOf(slot: number, askPort: number): Promise<number | undefined> {
  const shards = JSON.parse(await redisCli(askPort, '--json', 'cluster', 'slots')) as [number, number, [string, number]][];
  return shards.find(([from, to]) => slot >= from && slot <= to)?.[2][1];
}

function spawnClusterMember(port: number, dir: string, nodeTimeoutMs: number): Promise<ChildProcess> {
  mkdirSync(dir, { recursive: true });
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.env.REDIS_SERVER_BIN ?? 'redis-server',
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
        '--cluster-node-timeout',
        String(nodeTimeoutMs),
        '--save',
        '',
        '--appendonly',
        'no',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) resolve(child);
    });
    child.once('error', (error) => reject(new Error(`cannot run redis-server: ${error.message}`)));
    child.once('exit', (code) => reject(new Error(`cluster member ${port} exited with ${code}:\n${output}`)));
  });
}

function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

export interface RecoveredSend {
  /** When the first send was acknowledged ok. */
  at: number;
  /** Error codes answered before it (or the client-side timeout message). */
  refusals: string[];
  slowestAnswerMs: number;
  message: any;
}

const RETRY_EVERY_MS = 100;

/**
 * Sends to `room` until one is acknowledged ok, as a client retrying with one clientMsgId would. A socket that
 * Socket.IO reconnected (a node closes transports after a subscriber outage) joins the room again first.
 */
export async function sendUntilStored(socket: Socket, room: string, content: string, giveUpAt: number): Promise<RecoveredSend> {
  const refusals: string[] = [];
  let slowestAnswerMs = 0;
  for (;;) {
    const sentAt = Date.now();
    const ack = await request(socket, 'message:send', { room, content, clientMsgId: content }).catch((error: Error) => ({
      ok: false as const,
      error: { code: error.message, message: '' },
    }));
    slowestAnswerMs = Math.max(slowestAnswerMs, Date.now() - sentAt);
    if (ack.ok) return { at: Date.now(), refusals, slowestAnswerMs, message: ack.data };
    refusals.push(ack.error.code);
    if (ack.error.code === 'not_joined') await request(socket, 'room:join', { room }).catch(() => undefined);
    if (Date.now() > giveUpAt) throw new Error(`no send stored before the deadline; refusals: ${[...new Set(refusals)].join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, RETRY_EVERY_MS));
  }
}

export function countCodes(codes: string[]): Record<string, number> {
  return codes.reduce<Record<string, number>>((counts, code) => ({ ...counts, [code]: (counts[code] ?? 0) + 1 }), {});
}

/** Sends from each socket to the other, each heard live; the two stored messages, in order. */
export async function exchangeLive(first: Socket, second: Socket, room: string): Promise<[any, any]> {
  const toSecond = nextEvent(second, 'message', (message: { content: string }) => message.content === 'live, there');
  const there = await requestOk(first, 'message:send', { room, content: 'live, there' });
  expect(await toSecond).toEqual(there);
  const toFirst = nextEvent(first, 'message', (message: { content: string }) => message.content === 'live, and back');
  const back = await requestOk(second, 'message:send', { room, content: 'live, and back' });
  expect(await toFirst).toEqual(back);
  return [there, back];
}
