#!/usr/bin/env node
/**
 * The headline comparison (`npm run bench`): the product against the bare Socket.IO + Redis baseline
 * (bench/baseline-server.js), each on a fresh redis-server, the same load from bench/send-throughput.js,
 * rounds alternated so that both see the same machine. Needs `npm run build` first. Loopback only.
 *
 *   node bench/compare.js [--rounds 3] [--clients 20] [--messages 500] [--in-flight 10] [--listeners 0]
 *                         [--sides baseline,product] [--node-args "--cpu-prof --cpu-prof-dir=prof"] [ENV=value ...]
 *
 * Saturation load: --clients 10 --in-flight 10. ENV=value pairs go to the product's environment (its throttle
 * stays on, with a limit the load never reaches). --node-args go to both servers' node (profiles: a server
 * stopped after a profiled run is stopped with SIGINT so that node writes them).
 */
const { execFileSync } = require('node:child_process');
const { join } = require('node:path');
const h = require('./lib/harness');

const args = h.parseArgs();
const rounds = args.number('rounds', 3);
const sides = args.list('sides', 'baseline,product');
const nodeArgs = args.get('node-args', '').split(' ').filter(Boolean);
// The budget stays on (its cost is part of the product) but high enough that the load is never refused.
const productEnv = { THROTTLE_WS_LIMIT: '1000000', ...args.productEnv };
const load = [
  '--clients',
  args.get('clients', '20'),
  '--messages',
  args.get('messages', '500'),
  '--in-flight',
  args.get('in-flight', '10'),
  '--listeners',
  args.get('listeners', '0'),
];

async function measure(side) {
  const redis = await h.startRedis();
  let server;
  try {
    server = await h.startNode(side, { redisUrl: redis.url, productEnv, nodeArgs });
    const cpuBefore = h.cpuMs(server.pid);
    const parser = side === 'product' && productEnv.SOCKET_PARSER === 'msgpack' ? ['--parser', 'msgpack'] : [];
    const output = execFileSync(process.execPath, [join(__dirname, 'send-throughput.js'), '--url', server.url, '--secret', h.SECRET, ...load, ...parser], {
      encoding: 'utf8',
    });
    const result = JSON.parse(output.trim().split('\n').pop());
    return {
      ...result,
      serverCpuUsPerAck: Math.round(((h.cpuMs(server.pid) - cpuBefore) * 1000) / result.acks),
      rssMb: Math.round(h.rssKb(server.pid) / 1024),
    };
  } finally {
    if (server) await server.stop();
    await redis.stop();
  }
}

async function main() {
  const results = await h.runAlternating(sides, rounds, measure);
  for (const [name, runs] of Object.entries(results)) {
    const m = (field) => h.median(runs.map((r) => r[field]));
    console.log(
      `${name.padEnd(9)} acks/s median ${m('acksPerSecond')} (${runs.map((r) => r.acksPerSecond).join(', ')})  p50 ${m('p50Ms')} ms  p99 ${m('p99Ms')} ms  ` +
        `deliveries/s ${m('deliveriesPerSecond')}  server CPU/ack ${m('serverCpuUsPerAck')} µs  RSS ${m('rssMb')} MB  outcomes ${JSON.stringify(runs[0].outcomes)}`,
    );
  }
}

main().catch((error) => {
  console.error(error.message);
  process.exit(1);
});
