#!/usr/bin/env node
/**
 * Fan-out, product against baseline: two nodes of each side on one fresh redis-server per side, N clients
 * spread over both nodes in rooms of 25 (so every room spans both nodes), an open-loop send rate spread over
 * all clients. Delivery latency is measured at the receivers from a send timestamp in the payload; loss is
 * deliveries expected (acknowledged sends x other members) minus deliveries received; server CPU per delivery
 * is the nodes' user + system time (/proc) over the measured window and drain, divided by deliveries.
 * Sides alternate in every round; medians over rounds are printed and written as JSON for `bench:plot`.
 *
 *   node bench/fanout.js [--clients 500] [--room-size 25] [--rates 800] [--duration 10] [--warmup 2] [--rounds 2]
 *                        [--size 100] [--sides baseline,product] [--out bench/results] [ENV=value ...]
 *
 * ENV=value pairs go to the product's environment; its default limits stay on otherwise.
 */
const { mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { performance } = require('node:perf_hooks');
const h = require('./lib/harness');

const args = h.parseArgs();
const clientCount = args.number('clients', 500);
const roomSize = args.number('room-size', 25);
const rates = args.list('rates', args.get('rate', '800')).map(Number);
const durationSec = args.number('duration', 10);
const warmupSec = args.number('warmup', 2);
const rounds = args.number('rounds', 2);
const size = args.number('size', 100);
const sides = args.list('sides', 'baseline,product');
const nodeArgs = args.get('node-args', '').split(' ').filter(Boolean);
const outDir = args.get('out', join(__dirname, 'results'));
const CONNECT_BATCH = 100;

async function openClients(nodes) {
  const sockets = [];
  for (let i = 0; i < clientCount; i += CONNECT_BATCH) {
    const batch = Array.from({ length: Math.min(CONNECT_BATCH, clientCount - i) }, (_, j) => i + j);
    const opened = await Promise.all(batch.map((index) => h.connect(nodes[index % nodes.length].url, `fan-${index}`)));
    await Promise.all(opened.map((socket, j) => socket.timeout(30_000).emitWithAck('room:join', { room: roomOf(batch[j]) })));
    sockets.push(...opened);
  }
  return sockets;
}

const roomOf = (index) => `fan-${Math.floor(index / roomSize)}`;
const membersOf = (index) => Math.min(roomSize, clientCount - Math.floor(index / roomSize) * roomSize);

/** Sends at `rate` per second for `seconds`, round-robin over the clients; content carries phase, sender and time. */
async function sendAtRate(sockets, rate, seconds, phase, tally) {
  const content = (index) => `${phase}|${index}|${performance.now()}|`.padEnd(size, 'x');
  const started = performance.now();
  let sent = 0;
  const pending = [];
  while (performance.now() - started < seconds * 1000) {
    const due = Math.floor(((performance.now() - started) / 1000) * rate);
    for (; sent < due; sent++) {
      const index = sent % sockets.length;
      const ackStarted = performance.now();
      pending.push(
        sockets[index]
          .timeout(10_000)
          .emitWithAck('message:send', { room: roomOf(index), content: content(index) })
          .then(
            (ack) => {
              const outcome = ack.ok ? 'ok' : ack.error.code;
              tally.outcomes[outcome] = (tally.outcomes[outcome] ?? 0) + 1;
              if (ack.ok) {
                tally.acked += 1;
                tally.expectedDeliveries += membersOf(index) - 1;
                tally.ackLatencies.push(performance.now() - ackStarted);
              }
            },
            () => (tally.outcomes.timeout = (tally.outcomes.timeout ?? 0) + 1),
          ),
      );
    }
    await h.sleep(2);
  }
  tally.sent += sent;
  tally.sendingSeconds = (performance.now() - started) / 1000;
  await Promise.all(pending);
}

async function measure(side, rate) {
  const redis = await h.startRedis();
  const nodes = [];
  let sockets = [];
  try {
    for (let n = 0; n < 2; n++) nodes.push(await h.startNode(side, { redisUrl: redis.url, productEnv: args.productEnv, nodeArgs }));
    sockets = await openClients(nodes);
    const tally = { phase: 'none', sent: 0, acked: 0, expectedDeliveries: 0, received: 0, latencies: [], ackLatencies: [], outcomes: {} };
    sockets.forEach((socket, index) =>
      socket.on('message', (message) => {
        const [phase, sender, sentAt] = message.content.split('|', 3);
        if (phase !== tally.phase || Number(sender) === index) return;
        tally.received += 1;
        tally.latencies.push(performance.now() - Number(sentAt));
      }),
    );
    await sendAtRate(sockets, rate, warmupSec, 'w', { ...tally, latencies: [], ackLatencies: [], outcomes: {} });
    await h.sleep(500);

    tally.phase = 'm';
    const cpuBefore = nodes.map((node) => h.cpuMs(node.pid));
    const redisCpuBefore = h.cpuMs(redis.pid);
    const started = performance.now();
    await sendAtRate(sockets, rate, durationSec, 'm', tally);
    const drainDeadline = performance.now() + 5000;
    while (tally.received < tally.expectedDeliveries && performance.now() < drainDeadline) await h.sleep(20);
    const nodeCpuMs = nodes.reduce((sum, node, n) => sum + h.cpuMs(node.pid) - cpuBefore[n], 0);
    const redisCpuMs = h.cpuMs(redis.pid) - redisCpuBefore;
    const rssMb = nodes.map((node) => Math.round(h.rssKb(node.pid) / 1024));

    tally.latencies.sort((a, b) => a - b);
    tally.ackLatencies.sort((a, b) => a - b);
    const deliveries = Math.max(1, tally.received);
    return {
      side,
      rate,
      sent: tally.sent,
      acked: tally.acked,
      outcomes: tally.outcomes,
      sendsPerSecond: Math.round(tally.sent / tally.sendingSeconds),
      deliveries: tally.received,
      lost: tally.expectedDeliveries - tally.received,
      deliveryP50Ms: h.round2(h.percentile(tally.latencies, 50)),
      deliveryP95Ms: h.round2(h.percentile(tally.latencies, 95)),
      deliveryP99Ms: h.round2(h.percentile(tally.latencies, 99)),
      ackP50Ms: h.round2(h.percentile(tally.ackLatencies, 50)),
      ackP99Ms: h.round2(h.percentile(tally.ackLatencies, 99)),
      nodeCpuUsPerDelivery: h.round2((nodeCpuMs * 1000) / deliveries),
      redisCpuUsPerDelivery: h.round2((redisCpuMs * 1000) / deliveries),
      nodeCpuPercent: Math.round((nodeCpuMs / 10 / ((performance.now() - started) / 1000)) * 10) / 10,
      rssMbPerNode: rssMb,
    };
  } finally {
    for (const socket of sockets) socket.close();
    for (const node of nodes) await node.stop();
    await redis.stop();
  }
}

const MEDIAN_FIELDS = [
  'sendsPerSecond',
  'deliveries',
  'lost',
  'deliveryP50Ms',
  'deliveryP95Ms',
  'deliveryP99Ms',
  'ackP50Ms',
  'ackP99Ms',
  'nodeCpuUsPerDelivery',
  'redisCpuUsPerDelivery',
  'nodeCpuPercent',
];

function summarize(runs) {
  const summary = h.medianOfFields(runs, MEDIAN_FIELDS);
  summary.rssMbPerNode = h.median(runs.flatMap((run) => run.rssMbPerNode));
  summary.lostTotal = runs.reduce((sum, run) => sum + run.lost, 0);
  summary.refusedOrFailed = runs.reduce(
    (sum, run) =>
      sum +
      Object.entries(run.outcomes)
        .filter(([k]) => k !== 'ok')
        .reduce((s, [, v]) => s + v, 0),
    0,
  );
  return summary;
}

async function main() {
  mkdirSync(outDir, { recursive: true });
  for (const rate of rates) {
    const runs = await h.runAlternating(sides, rounds, (side) => measure(side, rate));
    const medians = Object.fromEntries(sides.map((side) => [side, summarize(runs[side])]));
    const result = {
      scenario: 'fanout',
      at: new Date().toISOString(),
      clients: clientCount,
      roomSize,
      rate,
      durationSec,
      rounds,
      size,
      productEnv: args.productEnv,
      medians,
      runs,
    };
    writeFileSync(join(outDir, `fanout-${clientCount}c-${rate}r.json`), `${JSON.stringify(result, null, 2)}\n`);
    for (const side of sides) {
      const m = medians[side];
      console.log(
        `${side.padEnd(9)} ${clientCount} clients, rooms of ${roomSize}, ${rate} sends/s (achieved ${m.sendsPerSecond}): delivery p50 ${m.deliveryP50Ms} p95 ${m.deliveryP95Ms} p99 ${m.deliveryP99Ms} ms, ` +
          `node CPU ${m.nodeCpuUsPerDelivery} µs/delivery (redis ${m.redisCpuUsPerDelivery}), RSS ${m.rssMbPerNode} MB/node, lost ${m.lostTotal}, refused/failed ${m.refusedOrFailed}`,
      );
    }
  }
}

main().catch((error) => {
  console.error(error.stack);
  process.exit(1);
});
