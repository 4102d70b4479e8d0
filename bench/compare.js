#!/usr/bin/env node
/**
 * Side by side, by hand: the product against the bare Socket.IO + Redis baseline (bench/baseline-server.js),
 * each on a fresh redis-server, the same load from bench/send-throughput.js, rounds alternated so that both
 * see the same machine. Needs `npm run build` first. Loopback only.
 *
 *   node bench/compare.js [--rounds 3] [--clients 20] [--messages 500] [--in-flight 10] [--listeners 0] [ENV=value ...]
 *
 * ENV=value pairs go to the product's environment (its throttle stays on, with a limit the load never reaches).
 */
const { spawn, execFileSync } = require('node:child_process');
const { mkdtempSync, rmSync } = require('node:fs');
const { createServer } = require('node:net');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const ROOT = join(__dirname, '..');
const SECRET = 'bench-secret-bench-secret-bench-secret-0123456789';
const args = process.argv.slice(2);
const arg = (name, fallback) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : fallback);
const rounds = Number(arg('rounds', 3));
// The budget stays on (its cost is part of the product) but high enough that the load is never refused.
const productEnv = Object.fromEntries([['THROTTLE_WS_LIMIT', '1000000'], ...args.filter((a) => /^[A-Z_]+=/.test(a)).map((a) => [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)])]);
const load = ['--clients', arg('clients', '20'), '--messages', arg('messages', '500'), '--in-flight', arg('in-flight', '10'), '--listeners', arg('listeners', '0')];

const freePort = () =>
  new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

function startProcess(command, argv, env, readyPattern) {
  const child = spawn(command, argv, { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready:\n${output}`)), 20_000);
    const onData = (chunk) => {
      output += chunk;
      if (readyPattern.test(output)) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${command} exited ${code}:\n${output}`)));
  });
}

/** CPU time the process has used, in ms (Linux /proc): less noisy than throughput on a shared machine. */
function cpuMs(pid) {
  const fields = require('node:fs').readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

const stop = (child) => new Promise((resolve) => (child.exitCode !== null ? resolve() : (child.once('exit', resolve), child.kill('SIGKILL'))));

const targets = {
  baseline: (port, redisUrl) => startProcess(process.execPath, [join(__dirname, 'baseline-server.js')], { PORT: String(port), REDIS_URL: redisUrl, JWT_SECRET: SECRET }, /listening/),
  product: (port, redisUrl) =>
    startProcess(process.execPath, [join(ROOT, 'dist', 'main.js')], { NODE_ENV: 'production', HOST: '127.0.0.1', PORT: String(port), REDIS_URL: redisUrl, JWT_SECRET: SECRET, ...productEnv }, /Listening on/),
};

async function measure(name) {
  const redisPort = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'chat-bench-'));
  const redis = await startProcess('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec'], {}, /Ready to accept/);
  const port = await freePort();
  let server;
  try {
    server = await targets[name](port, `redis://127.0.0.1:${redisPort}`);
    const cpuBefore = cpuMs(server.pid);
    const output = execFileSync(process.execPath, [join(__dirname, 'send-throughput.js'), '--url', `http://127.0.0.1:${port}`, '--secret', SECRET, ...load], { encoding: 'utf8' });
    const result = JSON.parse(output.trim().split('\n').pop());
    return { ...result, serverCpuUsPerAck: Math.round(((cpuMs(server.pid) - cpuBefore) * 1000) / result.acks) };
  } finally {
    if (server) await stop(server);
    await stop(redis);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const results = { baseline: [], product: [] };
  for (let round = 0; round < rounds; round++) {
    for (const name of round % 2 ? ['product', 'baseline'] : ['baseline', 'product']) results[name].push(await measure(name));
  }
  const median = (values) => values.slice().sort((a, b) => a - b)[Math.floor(values.length / 2)];
  for (const [name, runs] of Object.entries(results)) {
    console.log(
      `${name.padEnd(9)} acks/s median ${median(runs.map((r) => r.acksPerSecond))} (${runs.map((r) => r.acksPerSecond).join(', ')})  ` +
        `p50 ${median(runs.map((r) => r.p50Ms))} ms  p99 ${median(runs.map((r) => r.p99Ms))} ms  ` +
        `deliveries/s ${median(runs.map((r) => r.deliveriesPerSecond))}  server CPU/ack ${median(runs.map((r) => r.serverCpuUsPerAck))} µs  outcomes ${JSON.stringify(runs[0].outcomes)}`,
    );
  }
}

main().catch((error) => {
  console.error(error.message);
  process.exit(1);
});
