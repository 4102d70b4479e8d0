#!/usr/bin/env node
/**
 * Many connections over several nodes sharing one Redis: N authenticated connections in rooms of --room-size,
 * each room's members spread evenly over the nodes, opened by one load process per node (each on its own source
 * address 127.0.0.1x, so that no address runs out of ports). Reports connects + joins per second, node CPU per
 * connection, each node's RSS per connection (after a full GC), then a server API broadcast to every room and
 * how long until every connection received it.
 *
 *   node bench/scale.js [--connections 60000] [--nodes 4] [--room-size 600] [--batch 100] [--out bench/results]
 *                       [ENV=value ...]
 *
 * Each node holds connections/nodes sockets and each load process as many: both must fit the open-file limit
 * (`ulimit -n`, 20 000 on the measuring machine: 15 000 per node at 60 000 over 4). Product only: the bare
 * baseline has no server API to broadcast with.
 */
const { fork } = require('node:child_process');
const { mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const h = require('./lib/harness');

const args = h.parseArgs();
const API_KEY = 'bench-scale-server-api-key-0123456789';

if (args.has('worker')) runWorker();
else
  main().catch((error) => {
    console.error(error.stack);
    process.exit(1);
  });

/** A load process: opens its users' connections to one node, joins each to its room, then waits for the broadcast. */
function runWorker() {
  const sockets = [];
  let broadcast;
  process.on('message', async ({ command, url, users, localAddress, batch, roomSize, content }) => {
    if (command === 'close') {
      for (const socket of sockets) socket.close();
      process.exit(0);
    }
    if (command === 'await-broadcast') {
      broadcast = { content, arrivals: [], done: null };
      broadcast.done = new Promise((resolve) => (broadcast.resolve = resolve));
      process.send({ armed: true });
      // a connection that dropped never receives it: report what arrived by then
      await Promise.race([broadcast.done, h.sleep(30_000)]);
      process.send({ arrivals: broadcast.arrivals });
      return;
    }
    const errors = {};
    const started = Date.now();
    for (let i = 0; i < users.length; i += batch) {
      const settled = await Promise.allSettled(
        users.slice(i, i + batch).map(async (index) => {
          const socket = await h.connect(url, `member-${index}`, { localAddress, timeout: 120_000 });
          sockets.push(socket);
          socket.on('message', (message) => {
            if (!broadcast || message.content !== broadcast.content) return;
            broadcast.arrivals.push(Date.now());
            if (broadcast.arrivals.length === sockets.length) broadcast.resolve();
          });
          const ack = await socket.timeout(120_000).emitWithAck('room:join', { room: `big-${Math.floor(index / roomSize)}` });
          if (!ack.ok) throw Object.assign(new Error('join refused'), { code: ack.error.code });
        }),
      );
      for (const outcome of settled) {
        if (outcome.status === 'rejected') {
          const code = outcome.reason.code ?? outcome.reason.message;
          errors[code] = (errors[code] ?? 0) + 1;
        }
      }
    }
    process.send({ open: sockets.filter((socket) => socket.connected).length, errors, seconds: (Date.now() - started) / 1000 });
  });
  process.send({ ready: true });
}

const nextMessage = (child) =>
  new Promise((resolve, reject) => {
    const onExit = (code, signal) => reject(new Error(`load process exited ${code ?? signal}`));
    child.once('exit', onExit);
    child.once('message', (message) => {
      child.off('exit', onExit);
      resolve(message);
    });
  });

async function main() {
  const total = args.number('connections', 60_000);
  const nodeCount = args.number('nodes', 4);
  const roomSize = args.number('room-size', 600);
  const batch = args.number('batch', 100);
  const outDir = args.get('out', join(__dirname, 'results'));
  mkdirSync(outDir, { recursive: true });
  const redis = await h.startRedis();
  const nodes = [];
  const workers = [];
  try {
    const productEnv = { SERVER_API_KEYS: API_KEY, HANDSHAKE_LIMIT_PER_IP: String(Math.max(3000, total)), ...args.productEnv };
    for (let n = 0; n < nodeCount; n++)
      nodes.push(await h.startNode('product', { redisUrl: redis.url, productEnv: { NODE_ID: `scale-${n}`, ...productEnv }, gcOnSignal: true }));
    const rssBeforeKb = await Promise.all(nodes.map(h.rssKbAfterGc));
    const cpuBeforeMs = nodes.map((node) => h.cpuMs(node.pid));
    const redisCpuBeforeMs = h.cpuMs(redis.pid);
    for (let n = 0; n < nodeCount; n++) {
      const worker = fork(__filename, ['--worker'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      workers.push(worker);
      await nextMessage(worker);
    }
    const started = Date.now();
    const reports = await Promise.all(
      workers.map((worker, n) => {
        const users = [];
        for (let index = n; index < total; index += nodeCount) users.push(index);
        worker.send({ command: 'open', url: nodes[n].url, users, localAddress: `127.0.0.${10 + n}`, batch, roomSize });
        return nextMessage(worker);
      }),
    );
    const seconds = (Date.now() - started) / 1000;
    const open = reports.reduce((sum, report) => sum + report.open, 0);
    const errors = {};
    for (const report of reports) for (const [code, count] of Object.entries(report.errors)) errors[code] = (errors[code] ?? 0) + count;
    const nodeCpuMs = nodes.reduce((sum, node, n) => sum + h.cpuMs(node.pid) - cpuBeforeMs[n], 0);
    const redisCpuMs = h.cpuMs(redis.pid) - redisCpuBeforeMs;
    const rssAfterKb = await Promise.all(nodes.map(h.rssKbAfterGc));
    const kbPerConnection = nodes.map((_, n) => h.round2((rssAfterKb[n] - rssBeforeKb[n]) / Math.max(1, reports[n].open)));

    const rooms = Array.from({ length: Math.ceil(total / roomSize) }, (_, r) => `big-${r}`);
    const content = `broadcast ${Date.now()}`;
    await Promise.all(workers.map(async (worker) => (worker.send({ command: 'await-broadcast', content }), nextMessage(worker))));
    const arrivalsOf = workers.map((worker) => nextMessage(worker));
    // a failed broadcast stops the workers: their pending reports are moot then
    for (const arrivals of arrivalsOf) arrivals.catch(() => undefined);
    const sentAt = Date.now();
    const response = await fetch(`${nodes[0].url}/server/broadcast`, {
      method: 'POST',
      headers: { 'x-api-key': API_KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ rooms: rooms.slice(0, 100), content }),
    });
    if (response.status !== 201) throw new Error(`broadcast answered ${response.status}: ${await response.text()}`);
    const answeredMs = Date.now() - sentAt;
    const arrivals = await Promise.all(arrivalsOf);
    const latencies = arrivals.flatMap((report) => report.arrivals.map((at) => at - sentAt)).sort((a, b) => a - b);
    const result = {
      scenario: 'scale',
      at: new Date().toISOString(),
      node: process.version,
      connections: total,
      nodes: nodeCount,
      roomSize,
      productEnv: args.productEnv,
      open,
      errors,
      seconds: h.round2(seconds),
      connectsAndJoinsPerSecond: Math.round(open / seconds),
      nodeCpuMsPerConnection: h.round2(nodeCpuMs / Math.max(1, open)),
      redisCpuMsPerConnection: h.round2(redisCpuMs / Math.max(1, open)),
      rssMbAfter: rssAfterKb.map((kb) => Math.round(kb / 1024)),
      kbPerConnection,
      broadcast: {
        rooms: Math.min(100, rooms.length),
        answeredMs,
        received: latencies.length,
        p50Ms: h.percentile(latencies, 50),
        p99Ms: h.percentile(latencies, 99),
        maxMs: latencies[latencies.length - 1] ?? null,
      },
    };
    writeFileSync(join(outDir, `scale-${total}.json`), `${JSON.stringify(result, null, 2)}\n`);
    console.log(
      `${open} of ${total} open over ${nodeCount} nodes (rooms of ${roomSize}) in ${result.seconds} s: ${result.connectsAndJoinsPerSecond} connects+joins/s, ` +
        `node CPU ${result.nodeCpuMsPerConnection} ms and Redis CPU ${result.redisCpuMsPerConnection} ms per connection, RSS per connection ${kbPerConnection.join(' / ')} KB, errors ${JSON.stringify(errors)}`,
    );
    console.log(
      `broadcast to ${result.broadcast.rooms} rooms: answered in ${answeredMs} ms, received by ${latencies.length} of ${open}, p50 ${result.broadcast.p50Ms} ms, p99 ${result.broadcast.p99Ms} ms, last ${result.broadcast.maxMs} ms`,
    );
  } finally {
    for (const worker of workers) if (worker.connected) worker.send({ command: 'close' });
    await Promise.all(workers.map((worker) => h.stop(worker)));
    await Promise.all(nodes.map((node) => node.stop()));
    await redis.stop();
  }
}
