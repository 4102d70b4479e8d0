#!/usr/bin/env node
/**
 * Join storm, product against baseline: rooms with history, then K clients that each hold a `since` cursor
 * reconnect at once (every handshake started together) and rejoin their room with it. Reports the time until
 * every client has its missed messages (ack ok, all `--missed` of them), per-client catch-up percentiles, and
 * refusals by code. The product runs with its default limits; clients come from --per-address clients per
 * source address 127.0.0.x (1000: an office behind one NAT address, as docs/LIMITS.md sizes the handshake limit).
 *
 *   node bench/storm.js [--clients 2000] [--room-size 100] [--missed 20] [--per-address 1000] [--rounds 1]
 *                       [--sides baseline,product] [--out bench/results] [--node-args "--cpu-prof --cpu-prof-dir=prof"] [ENV=value ...]
 */
const { mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { performance } = require('node:perf_hooks');
const h = require('./lib/harness');

const args = h.parseArgs();
const clientCount = args.number('clients', 2000);
const roomSize = args.number('room-size', 100);
const missed = args.number('missed', 20);
const perAddress = args.number('per-address', 1000);
const nodeArgs = args.get('node-args', '').split(' ').filter(Boolean);
const roomOf = (index) => `storm-${Math.floor(index / roomSize)}`;

/** Each room gets a cursor message, then `missed` more after it; returns the cursor per room. */
async function seed(url) {
  const roomCount = Math.ceil(clientCount / roomSize);
  return Promise.all(
    Array.from({ length: roomCount }, async (_, r) => {
      const room = `storm-${r}`;
      const seeder = await h.connect(url, `seeder-${r}`);
      try {
        await seeder.emitWithAck('room:join', { room });
        const cursor = await seeder.emitWithAck('message:send', { room, content: 'cursor' });
        for (let m = 0; m < missed; m++) {
          const ack = await seeder.emitWithAck('message:send', { room, content: `missed ${m}` });
          if (!ack.ok) throw new Error(`seeding refused: ${JSON.stringify(ack.error)}`);
        }
        return [room, cursor.data.id];
      } finally {
        seeder.close();
      }
    }),
  ).then(Object.fromEntries);
}

async function measure(side) {
  const redis = await h.startRedis();
  let node;
  const sockets = [];
  try {
    node = await h.startNode(side, { redisUrl: redis.url, productEnv: args.productEnv, nodeArgs });
    const cursors = await seed(node.url);
    await h.sleep(500);
    const refusals = {};
    const refuse = (code) => (refusals[code] = (refusals[code] ?? 0) + 1);
    const catchUpMs = [];
    let incomplete = 0;
    const cpuBefore = h.cpuMs(node.pid);
    const started = performance.now();
    await Promise.all(
      Array.from({ length: clientCount }, async (_, index) => {
        try {
          const socket = await h.connect(node.url, `storm-${index}`, { localAddress: `127.0.0.${1 + Math.floor(index / perAddress)}`, timeout: 60_000 });
          sockets.push(socket);
          const room = roomOf(index);
          const ack = await socket.timeout(60_000).emitWithAck('room:join', { room, since: cursors[room] });
          if (!ack.ok) return refuse(ack.error.code);
          if (ack.data.messages.length !== missed || ack.data.complete === false) incomplete += 1;
          else catchUpMs.push(performance.now() - started);
        } catch (error) {
          refuse(error.code ?? error.message);
        }
      }),
    );
    const allMs = performance.now() - started;
    const nodeCpuMs = h.cpuMs(node.pid) - cpuBefore;
    catchUpMs.sort((a, b) => a - b);
    return {
      side,
      clients: clientCount,
      caughtUp: catchUpMs.length,
      incomplete,
      refusals,
      allCaughtUpMs: catchUpMs.length === clientCount ? Math.round(allMs) : null,
      finishedMs: Math.round(allMs),
      catchUpP50Ms: Math.round(h.percentile(catchUpMs, 50)),
      catchUpP99Ms: Math.round(h.percentile(catchUpMs, 99)),
      nodeCpuMsPerClient: h.round2(nodeCpuMs / clientCount),
    };
  } finally {
    for (const socket of sockets) socket.close();
    if (node) await node.stop();
    await redis.stop();
  }
}

async function main() {
  const sides = args.list('sides', 'baseline,product');
  const rounds = args.number('rounds', 1);
  const outDir = args.get('out', join(__dirname, 'results'));
  mkdirSync(outDir, { recursive: true });
  const runs = await h.runAlternating(sides, rounds, measure);
  writeFileSync(
    join(outDir, `storm-${clientCount}.json`),
    `${JSON.stringify({ scenario: 'storm', at: new Date().toISOString(), clients: clientCount, roomSize, missed, perAddress, rounds, productEnv: args.productEnv, runs }, null, 2)}\n`,
  );
  for (const side of sides) {
    const r = runs[side];
    console.log(
      `${side.padEnd(9)} storm of ${clientCount} (rooms of ${roomSize}, ${missed} missed each): all caught up in ${h.median(r.map((x) => x.finishedMs))} ms ` +
        `(p50 ${h.median(r.map((x) => x.catchUpP50Ms))}, p99 ${h.median(r.map((x) => x.catchUpP99Ms))}), caught up ${h.median(r.map((x) => x.caughtUp))}/${clientCount}, ` +
        `incomplete ${h.median(r.map((x) => x.incomplete))}, refusals ${JSON.stringify(r[0].refusals)}, node CPU ${h.median(r.map((x) => x.nodeCpuMsPerClient))} ms/client`,
    );
  }
}

main().catch((error) => {
  console.error(error.stack);
  process.exit(1);
});
