'use strict';
/**
 * What every bench scenario shares: free ports, a fresh redis-server, the product or the baseline started as a
 * child process, their CPU time and resident memory read from /proc, tokens and loopback-only clients.
 * Linux only (/proc); the load generator runs on the servers' machine.
 */
const { spawn } = require('node:child_process');
const { mkdtempSync, readFileSync, rmSync } = require('node:fs');
const { createServer } = require('node:net');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { sign } = require('jsonwebtoken');
const { io } = require('socket.io-client');

const ROOT = join(__dirname, '..', '..');
const SECRET = 'bench-secret-bench-secret-bench-secret-0123456789';
const CLOCK_TICKS_PER_SECOND = 100;

function parseArgs(argv = process.argv.slice(2)) {
  const get = (name, fallback) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : fallback);
  const number = (name, fallback) => Number(get(name, fallback));
  const list = (name, fallback) => String(get(name, fallback)).split(',').filter(Boolean);
  /** ENV=value pairs go to the product's environment. */
  const productEnv = Object.fromEntries(argv.filter((a) => /^[A-Z_]+=/.test(a)).map((a) => [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]));
  return { get, number, list, productEnv, has: (name) => argv.includes(`--${name}`) };
}

/** Listening ports come from below the ephemeral range (32768+ here), which the load's client sockets use up. */
const LISTEN_PORTS = { from: 20_000, to: 32_000 };

const freePort = () =>
  new Promise((resolve) => {
    const port = LISTEN_PORTS.from + Math.floor(Math.random() * (LISTEN_PORTS.to - LISTEN_PORTS.from));
    const server = createServer()
      .once('error', () => resolve(freePort()))
      .listen(port, '127.0.0.1', () => server.close(() => resolve(port)));
  });

function startProcess(command, argv, env, readyPattern) {
  const child = spawn(command, argv, { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${command} not ready:\n${output}`)), 30_000);
    const onData = (chunk) => {
      output = (output + chunk).slice(-20_000);
      if (readyPattern.test(output)) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.output = () => output;
    child.once('exit', (code) => reject(new Error(`${command} exited ${code}:\n${output}`)));
  });
}

const stop = (child) =>
  new Promise((resolve) => (!child || child.exitCode !== null || child.signalCode !== null ? resolve() : (child.once('exit', resolve), child.kill('SIGKILL'))));

/** User + system CPU time of a process, in ms. */
function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
}

function rssKb(pid) {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
}

async function startRedis() {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'chat-bench-'));
  const child = await startProcess(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec', '--maxclients', '1000'],
    {},
    /Ready to accept/,
  );
  return {
    url: `redis://127.0.0.1:${port}`,
    pid: child.pid,
    stop: async () => {
      await stop(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Starts one node of `side` ('product' or 'baseline') on a free loopback port. `nodeArgs` go to node itself
 * (--cpu-prof, --expose-gc ...); `gcOnSignal` preloads a hook so that SIGUSR2 runs a full GC in the server.
 */
async function startNode(side, { redisUrl, productEnv = {}, nodeArgs = [], gcOnSignal = false }) {
  const port = await freePort();
  const preload = gcOnSignal ? ['--expose-gc', '--require', join(__dirname, 'gc-on-signal.js')] : [];
  const child =
    side === 'product'
      ? await startProcess(
          process.execPath,
          [...nodeArgs, ...preload, join(ROOT, 'dist', 'main.js')],
          { NODE_ENV: 'production', HOST: '127.0.0.1', PORT: String(port), REDIS_URL: redisUrl, JWT_SECRET: SECRET, ...productEnv },
          /Listening on/,
        )
      : await startProcess(
          process.execPath,
          [...nodeArgs, ...preload, join(ROOT, 'bench', 'baseline-server.js')],
          { PORT: String(port), REDIS_URL: redisUrl, JWT_SECRET: SECRET },
          /listening/,
        );
  // profiles are written on a clean exit only
  return { side, port, url: `http://127.0.0.1:${port}`, pid: child.pid, child, stop: () => (nodeArgs.length ? stopGracefully(child) : stop(child)) };
}

/** SIGINT first so that --cpu-prof / --heap-prof write their files, then SIGKILL. */
function stopGracefully(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGINT');
  });
}

function tokenFor(userId) {
  return sign({ sub: userId, exp: Math.floor(Date.now() / 1000) + 3600 }, SECRET, { algorithm: 'HS256' });
}

/** One authenticated websocket connection; `localAddress` (127.0.0.x) spreads clients over source addresses. */
function connect(url, userId, { localAddress, timeout = 30_000 } = {}) {
  const host = new URL(url).hostname;
  if (!['127.0.0.1', 'localhost'].includes(host)) throw new Error(`loopback only, not ${host}`);
  const socket = io(`${url}/chat`, {
    auth: { token: tokenFor(userId) },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    timeout,
    localAddress,
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (error) => {
      socket.close();
      reject(Object.assign(new Error(`connect_error ${error.message}`), { code: error.data?.code ?? error.message, reason: error.data?.reason }));
    });
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A node's RSS once it settled and ran a full GC (a node started with `gcOnSignal` collects on SIGUSR2). */
async function rssKbAfterGc(node) {
  await sleep(2000);
  node.child.kill('SIGUSR2');
  await sleep(1500);
  return rssKb(node.pid);
}
const median = (values) => (values.length ? values.slice().sort((a, b) => a - b)[Math.floor(values.length / 2)] : NaN);
const percentile = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN);
const round2 = (value) => Math.round(value * 100) / 100;

/** Product then baseline in even rounds, the other way in odd ones, so that both see the same machine. */
function sidesOfRound(round, sides = ['baseline', 'product']) {
  return round % 2 ? sides.slice().reverse() : sides;
}

/** Runs `measure(side)` for every side in every round, alternating the order; logs each run to stderr. */
async function runAlternating(sides, rounds, measure) {
  const runs = Object.fromEntries(sides.map((side) => [side, []]));
  for (let round = 0; round < rounds; round++) {
    for (const side of sidesOfRound(round, sides)) {
      const run = await measure(side);
      runs[side].push(run);
      console.error(JSON.stringify(run));
    }
  }
  return runs;
}

/** The median over `list` of each field. */
const medianOfFields = (list, fields) => Object.fromEntries(fields.map((field) => [field, median(list.map((run) => run[field]))]));
/** Per side, the median over its runs of each field. */
const mediansOf = (runs, fields) => Object.fromEntries(Object.entries(runs).map(([side, list]) => [side, medianOfFields(list, fields)]));

module.exports = {
  rssKbAfterGc,
  runAlternating,
  medianOfFields,
  mediansOf,
  ROOT,
  SECRET,
  parseArgs,
  freePort,
  startProcess,
  stop,
  cpuMs,
  rssKb,
  startRedis,
  startNode,
  tokenFor,
  connect,
  sleep,
  median,
  percentile,
  round2,
  sidesOfRound,
};
