#!/usr/bin/env node
/**
 * Idle connections on one node, product against baseline: N authenticated connections, each joined to one room
 * (rooms of 25), held open by load-tool processes (at most --per-process each, every process on its own source
 * address 127.0.0.x so that no address runs out of ports). Reports handshakes + joins per second and resident
 * memory per connection: the node's RSS after minus before, each read after a full GC (the server is started
 * with --expose-gc and a SIGUSR2 hook) and a settle. Sides alternate in every round.
 *
 *   node bench/memory.js [--connections 3000,10000] [--room-size 25] [--rounds 1] [--per-process 15000]
 *                        [--sides baseline,product] [--out bench/results] [--heap-snapshot dir] [ENV=value ...]
 *
 * The product's per-address handshake limit is raised to the count here (that limit is the storm's subject).
 * --heap-snapshot dir: each node writes a heap snapshot there before the connections and another while they are
 * open (summarise the second with bench/heap-top.js, `--base` the first); its RSS figures then include the snapshots' own. A node holds at most its open-file limit of sockets (`ulimit -n`); see docs/PERFORMANCE.md.
 */
const { fork } = require('node:child_process');
const { mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const h = require('./lib/harness');

const args = h.parseArgs();

if (args.has('worker')) runWorker();
else
  main().catch((error) => {
    console.error(error.stack);
    process.exit(1);
  });

/** A load-tool process: opens its share when told, reports, holds the sockets until told to close. */
function runWorker() {
  const sockets = [];
  process.on('message', async ({ command, url, first, count, roomSize, localAddress, batch }) => {
    if (command === 'close') {
      for (const socket of sockets) socket.close();
      process.exit(0);
    }
    const errors = {};
    const started = Date.now();
    for (let i = first; i < first + count; i += batch) {
      const indexes = Array.from({ length: Math.min(batch, first + count - i) }, (_, j) => i + j);
      const settled = await Promise.allSettled(
        indexes.map(async (index) => {
          const socket = await h.connect(url, `idle-${index}`, { localAddress });
          sockets.push(socket);
          const ack = await socket.timeout(60_000).emitWithAck('room:join', { room: `idle-${Math.floor(index / roomSize)}` });
          if (!ack.ok) throw Object.assign(new Error('join refused'), { code: ack.error.code });
        }),
      );
      for (const outcome of settled) if (outcome.status === 'rejected') errors[outcome.reason.code ?? outcome.reason.message] = (errors[outcome.reason.code ?? outcome.reason.message] ?? 0) + 1;
    }
    const open = sockets.filter((socket) => socket.connected).length;
    process.send({ open, errors, seconds: (Date.now() - started) / 1000 });
  });
  process.send({ ready: true });
}

const nextMessage = (child) => new Promise((resolve, reject) => {
  child.once('message', resolve);
  child.once('exit', (code) => reject(new Error(`load process exited ${code}`)));
});

const heapSnapshotDir = args.get('heap-snapshot', '');
const heapSnapshotArgs = heapSnapshotDir ? ['--heapsnapshot-signal=SIGTTIN', `--diagnostic-dir=${heapSnapshotDir}`] : [];

/** Node writes the snapshot synchronously on the signal; done when the server answers /proc reads again. */
async function writeHeapSnapshot(node) {
  node.child.kill('SIGTTIN');
  await h.sleep(3000);
  while (/State:\s+R/.test(require('node:fs').readFileSync(`/proc/${node.pid}/status`, 'utf8'))) await h.sleep(500);
}

async function rssAfterGc(node) {
  await h.sleep(2000);
  node.child.kill('SIGUSR2');
  await h.sleep(1500);
  return h.rssKb(node.pid);
}

async function measure(side, total) {
  const roomSize = args.number('room-size', 25);
  const perProcess = args.number('per-process', 15_000);
  const redis = await h.startRedis();
  const workers = [];
  let node;
  try {
    node = await h.startNode(side, { redisUrl: redis.url, productEnv: { HANDSHAKE_LIMIT_PER_IP: String(Math.min(1_000_000, Math.max(3000, total))), ...args.productEnv }, gcOnSignal: true, nodeArgs: [...heapSnapshotArgs, ...args.get('node-args', '').split(' ').filter(Boolean)] });
    const rssBeforeKb = await rssAfterGc(node);
    if (heapSnapshotDir) await writeHeapSnapshot(node);
    const processCount = Math.ceil(total / perProcess);
    for (let w = 0; w < processCount; w++) {
      const worker = fork(__filename, ['--worker'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      workers.push(worker);
      await nextMessage(worker);
    }
    const started = Date.now();
    const reports = await Promise.all(
      workers.map((worker, w) => {
        const first = w * perProcess;
        worker.send({ command: 'open', url: node.url, first, count: Math.min(perProcess, total - first), roomSize, localAddress: `127.0.0.${w + 1}`, batch: args.number('batch', 200) });
        return nextMessage(worker);
      }),
    );
    const seconds = (Date.now() - started) / 1000;
    const open = reports.reduce((sum, report) => sum + report.open, 0);
    const errors = {};
    for (const report of reports) for (const [code, count] of Object.entries(report.errors)) errors[code] = (errors[code] ?? 0) + count;
    const rssAfterKb = await rssAfterGc(node);
    if (heapSnapshotDir) await writeHeapSnapshot(node);
    return {
      side,
      requested: total,
      open,
      errors,
      loadProcesses: processCount,
      handshakesAndJoinsPerSecond: Math.round(open / seconds),
      rssMbBefore: Math.round(rssBeforeKb / 1024),
      rssMbAfter: Math.round(rssAfterKb / 1024),
      kbPerConnection: h.round2((rssAfterKb - rssBeforeKb) / Math.max(1, open)),
    };
  } finally {
    for (const worker of workers) if (worker.connected) worker.send({ command: 'close' });
    await Promise.all(workers.map((worker) => h.stop(worker)));
    if (node) await node.stop();
    await redis.stop();
  }
}

async function main() {
  const counts = args.list('connections', '3000').map(Number);
  const sides = args.list('sides', 'baseline,product');
  const rounds = args.number('rounds', 1);
  const outDir = args.get('out', join(__dirname, 'results'));
  mkdirSync(outDir, { recursive: true });
  for (const total of counts) {
    const runs = await h.runAlternating(sides, rounds, (side) => measure(side, total));
    const medians = h.mediansOf(runs, ['open', 'handshakesAndJoinsPerSecond', 'rssMbBefore', 'rssMbAfter', 'kbPerConnection']);
    writeFileSync(join(outDir, `memory-${total}.json`), `${JSON.stringify({ scenario: 'memory', at: new Date().toISOString(), connections: total, rounds, productEnv: args.productEnv, medians, runs }, null, 2)}\n`);
    for (const side of sides) {
      const m = medians[side];
      console.log(`${side.padEnd(9)} ${total} idle connections: ${m.open} open, ${m.handshakesAndJoinsPerSecond} handshakes+joins/s, RSS ${m.rssMbBefore} → ${m.rssMbAfter} MB, ${m.kbPerConnection} KB/connection, errors ${JSON.stringify(runs[side][0].errors)}`);
    }
  }
}
