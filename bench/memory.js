#!/usr/bin/env node
/**
 * Idle connections, product against baseline: N authenticated connections, each joined to one room (rooms of
 * --room-size), held open by load-tool processes (at most --per-process each, every process on its own source
 * address 127.0.0.x so that no address runs out of ports). With --nodes K, K nodes of each side share one Redis
 * and connection i goes to node i mod K, so that every room spans every node. Reports handshakes + joins per
 * second, the nodes' CPU per connection (handshake, join, and the join's announcements to the room), and
 * resident memory per connection: the nodes' RSS after minus before, each read after a full GC (the server is
 * started with --expose-gc and a SIGUSR2 hook) and a settle. Then, with --broadcast, one member of every room
 * sends a message, all rooms at once: the time until every member of every room has it. Sides alternate in
 * every round.
 *
 *   node bench/memory.js [--connections 3000,10000] [--room-size 25] [--nodes 1] [--broadcast] [--rounds 1]
 *                        [--per-process 15000] [--batch 200] [--sides baseline,product] [--out bench/results]
 *                        [--heap-snapshot dir] [--node-args "--cpu-prof --cpu-prof-dir=prof"] [ENV=value ...]
 *
 * The product's per-address handshake limit is raised to the count here (that limit is the storm's subject).
 * --heap-snapshot dir: each node writes a heap snapshot there before the connections and another while they
 * are open (summarise the second with bench/heap-top.js, `--base` the first); the run's RSS figures then
 * include the snapshots' own. A node holds at most its open-file limit of sockets (`ulimit -n`); see
 * docs/PERFORMANCE.md.
 */
const { fork } = require('node:child_process');
const { mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const h = require('./lib/harness');

const args = h.parseArgs();
const PROBE = 'broadcast probe';

if (args.has('worker')) runWorker();
else
  main().catch((error) => {
    console.error(error.stack);
    process.exit(1);
  });

/** A load-tool process: opens its share when told, reports, holds the sockets until told to close. */
function runWorker() {
  const sockets = [];
  process.on('message', async ({ command, urls, first, count, roomSize, localAddress, batch }) => {
    if (command === 'close') {
      for (const { socket } of sockets) socket.close();
      process.exit(0);
    }
    if (command === 'arm') return armProbe(sockets);
    if (command === 'send') return sendProbes(sockets, roomSize);
    const errors = {};
    const started = Date.now();
    for (let i = first; i < first + count; i += batch) {
      const indexes = Array.from({ length: Math.min(batch, first + count - i) }, (_, j) => i + j);
      const settled = await Promise.allSettled(
        indexes.map(async (index) => {
          const room = `idle-${Math.floor(index / roomSize)}`;
          const socket = await h.connect(urls[index % urls.length], `idle-${index}`, { localAddress });
          sockets.push({ socket, index, room });
          const ack = await socket.timeout(60_000).emitWithAck('room:join', { room });
          if (!ack.ok) throw Object.assign(new Error('join refused'), { code: ack.error.code });
        }),
      );
      for (const outcome of settled)
        if (outcome.status === 'rejected')
          errors[outcome.reason.code ?? outcome.reason.message] = (errors[outcome.reason.code ?? outcome.reason.message] ?? 0) + 1;
    }
    const open = sockets.filter(({ socket }) => socket.connected).length;
    process.send({ type: 'opened', open, errors, seconds: (Date.now() - started) / 1000 });
  });
  process.send({ type: 'ready' });
}

/** Every socket but each room's sender waits for the probe; reports when the last one of this process got it. */
function armProbe(sockets) {
  const waiting = sockets.filter(({ socket, index }) => socket.connected && !isSender(index));
  let lastAt = 0;
  let received = 0;
  const all = new Promise((resolve) => {
    if (waiting.length === 0) resolve();
    for (const { socket } of waiting) {
      socket.on('message', function onProbe(message) {
        if (message?.content !== PROBE) return;
        socket.off('message', onProbe);
        lastAt = Date.now();
        received += 1;
        if (received === waiting.length) resolve();
      });
    }
  });
  process.send({ type: 'armed', armed: waiting.length });
  Promise.race([all, h.sleep(60_000)]).then(() => process.send({ type: 'received', lastAt, missing: waiting.length - received }));
}

/** The first member of each room sends; reports the instant the first send left. */
async function sendProbes(sockets, roomSize) {
  const senders = sockets.filter(({ index }) => index % roomSize === 0);
  const sentAt = Date.now();
  const acks = await Promise.all(
    senders.map(({ socket, room }) =>
      socket
        .timeout(60_000)
        .emitWithAck('message:send', { room, content: PROBE })
        .catch((error) => ({ ok: false, error: { code: error.message } })),
    ),
  );
  process.send({ type: 'sent', sentAt: senders.length ? sentAt : undefined, failed: acks.filter((ack) => !ack.ok).length });
}

const isSender = (index) => index % args.number('room-size', 25) === 0;

/** The load process's next report of this type (register before asking, so that none is missed). */
const nextReport = (child, type) =>
  new Promise((resolve, reject) => {
    const onExit = (code) => reject(new Error(`load process exited ${code}`));
    const onMessage = (message) => {
      if (message.type !== type) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(message);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });

function ask(worker, command, reportType) {
  const report = nextReport(worker, reportType);
  worker.send(command);
  return report;
}

const heapSnapshotDir = args.get('heap-snapshot', '');
const heapSnapshotArgs = heapSnapshotDir ? ['--heapsnapshot-signal=SIGTTIN', `--diagnostic-dir=${heapSnapshotDir}`] : [];

/** Node writes the snapshot synchronously on the signal; done when the server answers /proc reads again. */
async function writeHeapSnapshot(node) {
  node.child.kill('SIGTTIN');
  await h.sleep(3000);
  while (/State:\s+R/.test(require('node:fs').readFileSync(`/proc/${node.pid}/status`, 'utf8'))) await h.sleep(500);
}

async function rssAfterGc(nodes) {
  const rss = await Promise.all(nodes.map(h.rssKbAfterGc));
  return rss.reduce((sum, kb) => sum + kb, 0);
}

/** The probe: every process arms, the senders send, then each reports when its last socket got it. */
async function broadcastProbe(workers, roomSize) {
  const armed = await Promise.all(workers.map((worker) => ask(worker, { command: 'arm' }, 'armed')));
  const done = workers.map((worker) => nextReport(worker, 'received'));
  const sent = await Promise.all(workers.map((worker) => ask(worker, { command: 'send', roomSize }, 'sent')));
  const received = await Promise.all(done);
  const sentAt = Math.min(...sent.map((report) => report.sentAt ?? Infinity));
  return {
    broadcastReceivers: armed.reduce((sum, report) => sum + report.armed, 0),
    broadcastFailedSends: sent.reduce((sum, report) => sum + report.failed, 0),
    broadcastMissing: received.reduce((sum, report) => sum + report.missing, 0),
    broadcastToAllMs: Math.max(...received.map((report) => report.lastAt)) - sentAt,
  };
}

async function measure(side, total) {
  const roomSize = args.number('room-size', 25);
  const perProcess = args.number('per-process', 15_000);
  const nodeCount = args.number('nodes', 1);
  const redis = await h.startRedis();
  const workers = [];
  const nodes = [];
  try {
    const nodeArgs = [...heapSnapshotArgs, ...args.get('node-args', '').split(' ').filter(Boolean)];
    for (let n = 0; n < nodeCount; n++) {
      nodes.push(
        await h.startNode(side, {
          redisUrl: redis.url,
          productEnv: { HANDSHAKE_LIMIT_PER_IP: String(Math.min(1_000_000, Math.max(3000, total))), NODE_ID: `bench-${n}`, ...args.productEnv },
          gcOnSignal: true,
          nodeArgs,
        }),
      );
    }
    const rssBeforeKb = await rssAfterGc(nodes);
    if (heapSnapshotDir) for (const node of nodes) await writeHeapSnapshot(node);
    const processCount = Math.ceil(total / perProcess);
    for (let w = 0; w < processCount; w++) {
      const worker = fork(__filename, ['--worker', '--room-size', String(roomSize)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      workers.push(worker);
      await nextReport(worker, 'ready');
    }
    const cpuBefore = nodes.map((node) => h.cpuMs(node.pid));
    const started = Date.now();
    const reports = await Promise.all(
      workers.map((worker, w) => {
        const first = w * perProcess;
        return ask(
          worker,
          {
            command: 'open',
            urls: nodes.map((node) => node.url),
            first,
            count: Math.min(perProcess, total - first),
            roomSize,
            localAddress: `127.0.0.${w + 1}`,
            batch: args.number('batch', 200),
          },
          'opened',
        );
      }),
    );
    const seconds = (Date.now() - started) / 1000;
    const nodeCpuMs = nodes.reduce((sum, node, n) => sum + h.cpuMs(node.pid) - cpuBefore[n], 0);
    const open = reports.reduce((sum, report) => sum + report.open, 0);
    const errors = {};
    for (const report of reports) for (const [code, count] of Object.entries(report.errors)) errors[code] = (errors[code] ?? 0) + count;
    const rssAfterKb = await rssAfterGc(nodes);
    if (heapSnapshotDir) for (const node of nodes) await writeHeapSnapshot(node);
    const probe = args.has('broadcast') ? await broadcastProbe(workers, roomSize) : {};
    return {
      side,
      requested: total,
      nodes: nodeCount,
      roomSize,
      open,
      errors,
      loadProcesses: processCount,
      seconds: h.round2(seconds),
      handshakesAndJoinsPerSecond: Math.round(open / seconds),
      nodeCpuMsPerConnection: h.round2(nodeCpuMs / Math.max(1, open)),
      rssMbBefore: Math.round(rssBeforeKb / 1024),
      rssMbAfter: Math.round(rssAfterKb / 1024),
      kbPerConnection: h.round2((rssAfterKb - rssBeforeKb) / Math.max(1, open)),
      ...probe,
    };
  } finally {
    for (const worker of workers) if (worker.connected) worker.send({ command: 'close' });
    await Promise.all(workers.map((worker) => h.stop(worker)));
    await Promise.all(nodes.map((node) => node.stop()));
    await redis.stop();
  }
}

async function main() {
  const counts = args.list('connections', '3000').map(Number);
  const sides = args.list('sides', 'baseline,product');
  const rounds = args.number('rounds', 1);
  const nodeCount = args.number('nodes', 1);
  const outDir = args.get('out', join(__dirname, 'results'));
  mkdirSync(outDir, { recursive: true });
  const fields = [
    'open',
    'handshakesAndJoinsPerSecond',
    'nodeCpuMsPerConnection',
    'rssMbBefore',
    'rssMbAfter',
    'kbPerConnection',
    ...(args.has('broadcast') ? ['broadcastToAllMs', 'broadcastMissing'] : []),
  ];
  for (const total of counts) {
    const runs = await h.runAlternating(sides, rounds, (side) => measure(side, total));
    const medians = h.mediansOf(runs, fields);
    const name = nodeCount > 1 ? `memory-${total}-${nodeCount}-nodes` : `memory-${total}`;
    writeFileSync(
      join(outDir, `${name}.json`),
      `${JSON.stringify({ scenario: 'memory', at: new Date().toISOString(), connections: total, nodes: nodeCount, roomSize: args.number('room-size', 25), rounds, productEnv: args.productEnv, medians, runs }, null, 2)}\n`,
    );
    for (const side of sides) {
      const m = medians[side];
      console.log(
        `${side.padEnd(9)} ${total} idle connections on ${nodeCount} node(s): ${m.open} open, ${m.handshakesAndJoinsPerSecond} handshakes+joins/s, node CPU ${m.nodeCpuMsPerConnection} ms/connection, ` +
          `RSS ${m.rssMbBefore} → ${m.rssMbAfter} MB, ${m.kbPerConnection} KB/connection${m.broadcastToAllMs !== undefined ? `, broadcast to all in ${m.broadcastToAllMs} ms (${m.broadcastMissing} missing)` : ''}, errors ${JSON.stringify(runs[side][0].errors)}`,
      );
    }
  }
}
