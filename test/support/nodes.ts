import { ChildProcess, spawn } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { untilStatus } from './http';
import { TEST_JWT_SECRET } from './tokens';

const MAIN = join(__dirname, '..', '..', 'dist', 'main.js');
/** CPU time a node spends from spawn to ready (`/health/ready` 200): measured 2.1 to 2.4 s on Node 20. */
const START_CPU_MS = 2_500;
/**
 * Processes that want a core while a node starts, at the load the suite is built to pass: the soak's two busy
 * cores beside two jest workers whose files each start three nodes at once, on two cores: (2 + 2 x 3) / 2.
 */
const DESIGN_RUNNABLE_PER_CORE = 4;
/** A start that takes twice what the load explains is stuck, not slow. */
const HEADROOM = 2;

/**
 * How long a node may take to be ready: the CPU it needs, times the processes it shares a core with (the
 * design load, or the machine's own one-minute load when that is higher: other work on a shared machine),
 * times the headroom. 20 s at the design load.
 */
export function startDeadlineMs(): number {
  const runnablePerCore = Math.max(DESIGN_RUNNABLE_PER_CORE, loadavg()[0] / availableParallelism());
  return Math.round(START_CPU_MS * runnablePerCore * HEADROOM);
}

/**
 * The timeout of a test that starts nodes itself, `starts` of them one after another: each may take its deadline,
 * and the test's own work, `workMs`, comes on top. (A test that starts none has jest's default: one start's
 * deadline at the design load plus 10 s of work.)
 */
export function timeoutForNodeStarts(starts: number, workMs = 0): number {
  return starts * startDeadlineMs() + workMs;
}

const LISTENING = /Listening on http:\/\/\S+:(\d+) as node/;

/** Every node a test file started, so that none outlives the file even when a test fails midway. */
const started = new Set<ChildProcess>();

export async function killAllNodes(): Promise<void> {
  await Promise.all(
    [...started].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
  started.clear();
}

/** One line of a node's log: JSON objects, as pino writes them. */
export interface LogEntry {
  level: string;
  msg: string;
  nodeId?: string;
  [field: string]: unknown;
}

/** A line that is not JSON (a partial line, a stray print) becomes `{ level: 'unparsed', msg: <the line> }`. */
export function logEntriesOf(output: string): LogEntry[] {
  return output
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      try {
        const entry = JSON.parse(line) as LogEntry;
        if (typeof entry === 'object' && entry !== null) return entry;
      } catch {
        // reported as unparsed below
      }
      return { level: 'unparsed', msg: line };
    });
}

/** Errors and unhandled rejections, whether logged as JSON or printed otherwise. */
export function errorsLogged(output: string): LogEntry[] {
  return logEntriesOf(output).filter((entry) => entry.level === 'error' || entry.level === 'fatal' || /ERROR|unhandled/.test(String(entry.msg)));
}

export interface TestNode {
  readonly url: string;
  readonly process: ChildProcess;
  /** Everything the node printed so far. */
  logs(): string;
  /** The same, line by line. */
  logEntries(): LogEntry[];
  /** Resolves once the node has printed something matching `pattern`. */
  untilLogged(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Sends a signal and resolves with the exit code (or signal name) once the process is gone. */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
  readonly exited: Promise<number | string>;
}

/**
 * Starts `node dist/main.js` as its own process, as in production: one node of a cluster. Listens on a port
 * of its choosing (PORT=0) and reports it in its start-up log; resolves once `/health/ready` answers 200, or,
 * with `isReadyAwaited: false`, once it listens (a node expected to stay not ready).
 */
export function startNode(env: Record<string, string | undefined>, { isReadyAwaited = true } = {}): Promise<TestNode> {
  const child = spawn(process.execPath, [MAIN], {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: '0',
      JWT_SECRET: TEST_JWT_SECRET,
      NO_COLOR: '1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.add(child);
  let output = '';
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const deadlineMs = startDeadlineMs();
  const startedAt = Date.now();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`node did not start within ${deadlineMs} ms:\n${output}`)), deadlineMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = LISTENING.exec(output);
      if (match) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        child.stdout!.on('data', (more: Buffer) => (output += more.toString()));
        const node: TestNode = {
          url: `http://127.0.0.1:${match[1]}`,
          process: child,
          logs: () => output,
          logEntries: () => logEntriesOf(output),
          untilLogged: (pattern, timeoutMs = startDeadlineMs()) => untilPrinted(child, () => output, pattern, timeoutMs),
          exited,
          stop: (signal = 'SIGTERM') => {
            if (child.exitCode === null && child.signalCode === null) child.kill(signal);
            return exited;
          },
        };
        if (!isReadyAwaited) return resolve(node);
        // as an orchestrator would: traffic only once the node says it is ready (all its Redis connections up)
        untilStatus(`${node.url}/health/ready`, 200, Math.max(0, deadlineMs - (Date.now() - startedAt))).then(() => resolve(node), reject);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`node exited (${code}) before listening:\n${output}`));
    });
  });
}

function untilPrinted(child: ChildProcess, output: () => string, pattern: RegExp, timeoutMs: number): Promise<void> {
  if (pattern.test(output())) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`the node printed nothing matching ${pattern} within ${timeoutMs} ms`)), timeoutMs);
    // registered after the listeners that append to the output, so it sees each chunk already added
    const onData = () => pattern.test(output()) && finish();
    const finish = (error?: Error) => {
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.stderr!.off('data', onData);
      if (error) reject(error);
      else resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
  });
}

/** Starts `count` nodes sharing one Redis. */
export function startCluster(count: number, env: Record<string, string | undefined>): Promise<TestNode[]> {
  return Promise.all(Array.from({ length: count }, (_, index) => startNode({ NODE_ID: `node-${index + 1}`, ...env })));
}

export async function stopAll(nodes: TestNode[]): Promise<void> {
  await Promise.all(nodes.map((node) => node.stop('SIGKILL')));
}
