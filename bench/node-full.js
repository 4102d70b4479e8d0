#!/usr/bin/env node
/**
 * A full node stays manageable, by hand: starts one node under a lowered open-files limit (`ulimit -n`), offers it
 * more connections than that limit allows, then asks it for /health/ready, /health/live, /metrics and a server API
 * read, and reports what was admitted, what was refused and how (connect_error message, data.reason), and
 * whether the node answered each probe.
 *
 *   npm run build && node bench/node-full.js --fds 512 --offered 1000
 *   node bench/node-full.js --fds 512 --offered 1000 MAX_CONNECTIONS_PER_NODE=0    # the failure mode, for comparison
 *
 * ENV=value arguments go to the node's environment. Linux only; loopback only.
 */
const { join } = require('node:path');
const { ROOT, SECRET, parseArgs, freePort, startProcess, stop, startRedis, connect } = require('./lib/harness');

const API_KEY = 'bench-node-full-server-api-key-0123456789';
const args = parseArgs();
const fds = args.number('fds', 512);
const offered = args.number('offered', fds * 2);
const batch = args.number('batch', 100);

async function probe(url, init) {
  const startedAt = Date.now();
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(5000) });
    await response.arrayBuffer();
    return { status: response.status, ms: Date.now() - startedAt };
  } catch (error) {
    return { status: 0, error: error.cause?.code ?? error.name, ms: Date.now() - startedAt };
  }
}

async function main() {
  const redis = await startRedis();
  const port = await freePort();
  const env = {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    REDIS_URL: redis.url,
    JWT_SECRET: SECRET,
    SERVER_API_KEYS: API_KEY,
    HANDSHAKE_LIMIT_PER_IP: '1000000',
    ...args.productEnv,
  };
  const node = await startProcess('/bin/sh', ['-c', `ulimit -n ${fds} && exec "${process.execPath}" "${join(ROOT, 'dist', 'main.js')}"`], env, /Listening on/);
  const url = `http://127.0.0.1:${port}`;
  const sockets = [];
  const refusals = {};
  try {
    for (let offset = 0; offset < offered; offset += batch) {
      const outcomes = await Promise.allSettled(
        Array.from({ length: Math.min(batch, offered - offset) }, (_, i) => connect(url, `full-${offset + i}`, { timeout: 10_000 })),
      );
      for (const outcome of outcomes) {
        if (outcome.status === 'fulfilled') sockets.push(outcome.value);
        else {
          const key = `${outcome.reason.code ?? outcome.reason.message}${outcome.reason.reason ? `/${outcome.reason.reason}` : ''}`;
          refusals[key] = (refusals[key] ?? 0) + 1;
        }
      }
    }
    const metrics = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) })
      .then((response) => response.text())
      .catch(() => '');
    const gauge = (name) => /^\S+ (\d+)$/m.exec(metrics.split('\n').find((line) => line.startsWith(`${name} `)) ?? '')?.[1];
    const report = {
      fds,
      offered,
      admitted: sockets.length,
      refused: refusals,
      chat_connections_open: gauge('chat_connections_open'),
      chat_connections_limit: gauge('chat_connections_limit'),
      probes: {
        '/health/ready': await probe(`${url}/health/ready`),
        '/health/live': await probe(`${url}/health/live`),
        '/metrics': await probe(`${url}/metrics`),
        'GET /server/users/full-0/presence': await probe(`${url}/server/users/full-0/presence`, { headers: { 'x-api-key': API_KEY } }),
      },
      nodeAlive: node.exitCode === null,
    };
    console.log(JSON.stringify(report, null, 2));
  } finally {
    for (const socket of sockets) socket.close();
    await stop(node);
    await redis.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
