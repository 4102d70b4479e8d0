#!/usr/bin/env node
/**
 * Export memory: does a room export hold the node's memory flat whatever the room's size (docs/COMPLIANCE.md,
 * "Exports")? One product node on its own redis-server; a room filled with --messages messages straight into its
 * stream (pipelined XADDs in the stream's field format, src/rooms/message.codec.ts); then `GET /admin/export?room=`
 * read slowly (the client pauses --read-delay-ms after every 64 KiB, so the node's writes back up on it), while
 * the node's resident memory (VmRSS) is sampled every --sample-ms. Prints RSS before (after a full GC), during
 * (by quarter of the bytes received, and overall) and after (after a full GC), the V8 heap still in use after a
 * full GC forced every --heap-probe-ms (live memory, garbage left out; 0: none, RSS then shows when V8 collects),
 * and checks the manifest: its count
 * is the number of lines before it and the room's size, its sha256 that of those lines' bytes.
 *
 *   node bench/export-memory.js [--messages 100000] [--content-bytes 120] [--read-delay-ms 50] [--sample-ms 100]
 *                               [--heap-probe-ms 3000] [ENV=value ...]
 *
 * Run by hand, after `npm run build`; not part of the test suite. Linux only (/proc).
 */
const { createHash } = require('node:crypto');
const { request } = require('node:http');
const { join } = require('node:path');
const { sign } = require('jsonwebtoken');
const Redis = require('ioredis');
const h = require('./lib/harness');

const args = h.parseArgs();
const MESSAGES = args.number('messages', 100_000);
const CONTENT_BYTES = args.number('content-bytes', 120);
const READ_DELAY_MS = args.number('read-delay-ms', 50);
const SAMPLE_MS = args.number('sample-ms', 100);
const HEAP_PROBE_MS = args.number('heap-probe-ms', 3000);
const ROOM = 'export-bench';
const PIPELINE = 1000;
/** The reader pauses after each this many bytes: about 60 KB/ms / READ_DELAY_MS, far slower than the node writes. */
const READ_QUANTUM_BYTES = 64 * 1024;

main().catch((error) => {
  console.error(error.stack);
  process.exit(1);
});

async function main() {
  const redis = await h.startRedis();
  // the stream is filled directly, past the send path's trim: the node must not trim it either
  const node = await h.startNode('product', {
    redisUrl: redis.url,
    nodeArgs: ['--expose-gc', '--require', join(__dirname, 'lib', 'heap-on-signal.js')],
    productEnv: { HISTORY_MAX_PER_ROOM: String(MESSAGES * 2), ...args.productEnv },
  });
  const client = new Redis(redis.url);
  try {
    const fillStarted = Date.now();
    await fill(client);
    console.log(`filled ${ROOM} with ${await client.xlen(streamKey())} messages in ${((Date.now() - fillStarted) / 1000).toFixed(1)} s`);

    const before = await rssAfterGc(node);
    const samples = [];
    const received = { bytes: 0 };
    const sampler = setInterval(() => samples.push({ at: Date.now(), rssKb: h.rssKb(node.pid), bytes: received.bytes }), SAMPLE_MS);
    // a full GC in the node now and then: what it still holds mid-export, garbage left out
    const heapProbe = HEAP_PROBE_MS > 0 ? setInterval(() => node.child.kill('SIGUSR2'), HEAP_PROBE_MS) : undefined;
    const exportStarted = Date.now();
    const body = await readSlowly(`${node.url}/admin/export?room=${ROOM}`, received);
    clearInterval(sampler);
    clearInterval(heapProbe);
    const seconds = (Date.now() - exportStarted) / 1000;
    const after = await rssAfterGc(node);

    const verdict = verify(body);
    const heaps = heapReports(node.child.output());
    printTable({ before, after, samples, totalBytes: received.bytes, seconds, verdict });
    printHeaps(heaps, exportStarted);
    if (!verdict.ok) process.exitCode = 1;
  } finally {
    client.disconnect();
    await node.stop();
    await redis.stop();
  }
}

const streamKey = () => `chat:{${ROOM}}:messages`;

/** Messages as the send script stores them: author id, display name, content (fields u, n, c). */
async function fill(client) {
  const padding = 'x'.repeat(Math.max(0, CONTENT_BYTES - 40));
  for (let first = 0; first < MESSAGES; first += PIPELINE) {
    const pipeline = client.pipeline();
    for (let i = first; i < Math.min(first + PIPELINE, MESSAGES); i++) {
      pipeline.xadd(streamKey(), '*', 'u', `user-${i % 50}`, 'n', `User ${i % 50}`, 'c', `message number ${i} ${padding}`);
    }
    await pipeline.exec();
  }
}

async function rssAfterGc(node) {
  await h.sleep(1000);
  node.child.kill('SIGUSR2');
  await h.sleep(1000);
  return h.rssKb(node.pid);
}

/** The whole export, read a chunk at a time with a pause after each: a slow reader. */
function readSlowly(url, received) {
  const token = sign({ sub: 'export-bench', roles: ['admin'], exp: Math.floor(Date.now() / 1000) + 3600 }, h.SECRET, { algorithm: 'HS256' });
  return new Promise((resolve, reject) => {
    const chunks = [];
    request(url, { headers: { authorization: `Bearer ${token}` } }, (response) => {
      if (response.statusCode !== 200) reject(new Error(`export answered ${response.statusCode}`));
      let sincePause = 0;
      response.on('data', (chunk) => {
        chunks.push(chunk);
        received.bytes += chunk.length;
        sincePause += chunk.length;
        if (sincePause < READ_QUANTUM_BYTES) return;
        sincePause = 0;
        response.pause();
        setTimeout(() => response.resume(), READ_DELAY_MS);
      });
      response.once('end', () => resolve(Buffer.concat(chunks)));
      response.once('error', reject);
    })
      .once('error', reject)
      .end();
  });
}

/** The manifest's count and sha256 against the lines before it, and the count against the room's size. */
function verify(body) {
  const text = body.toString('utf8');
  const manifestAt = text.lastIndexOf('{"type":"manifest"');
  if (manifestAt < 0) return { ok: false, reason: 'no manifest' };
  const manifest = JSON.parse(text.slice(manifestAt).trim());
  const lines = text.slice(0, manifestAt);
  const count = lines.split('\n').length - 1;
  const sha256 = createHash('sha256').update(lines).digest('hex');
  const ok = manifest.count === count && manifest.count === MESSAGES && manifest.sha256 === sha256;
  return { ok, manifest, count, sha256 };
}

function printTable({ before, after, samples, totalBytes, seconds, verdict }) {
  const mb = (kb) => (kb / 1024).toFixed(1);
  const rows = [['phase', 'samples', 'RSS min MB', 'RSS median MB', 'RSS max MB']];
  rows.push(['before (after GC)', '1', mb(before), mb(before), mb(before)]);
  for (let quarter = 0; quarter < 4; quarter++) {
    const inQuarter = samples.filter((s) => s.bytes > (quarter * totalBytes) / 4 && s.bytes <= ((quarter + 1) * totalBytes) / 4).map((s) => s.rssKb);
    if (inQuarter.length > 0)
      rows.push([
        `during, ${quarter * 25}-${(quarter + 1) * 25} % of bytes`,
        String(inQuarter.length),
        mb(Math.min(...inQuarter)),
        mb(h.median(inQuarter)),
        mb(Math.max(...inQuarter)),
      ]);
  }
  const during = samples.map((s) => s.rssKb);
  rows.push(['during, all', String(during.length), mb(Math.min(...during)), mb(h.median(during)), mb(Math.max(...during))]);
  rows.push(['after (after GC)', '1', mb(after), mb(after), mb(after)]);
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  for (const [index, row] of rows.entries()) {
    console.log(`| ${row.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`);
    if (index === 0) console.log(`|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`);
  }
  console.log(
    `export: ${MESSAGES} messages, ${(totalBytes / 1024 / 1024).toFixed(1)} MB in ${seconds.toFixed(1)} s (reader paused ${READ_DELAY_MS} ms per 64 KiB); ` +
      `peak during - before: ${mb(Math.max(...during) - before)} MB`,
  );
  console.log(
    verdict.ok
      ? `manifest verified: count ${verdict.manifest.count}, sha256 ${verdict.manifest.sha256}`
      : `manifest NOT verified: ${JSON.stringify({ manifest: verdict.manifest, count: verdict.count, sha256: verdict.sha256, reason: verdict.reason })}`,
  );
}

/** The node's HEAP-AFTER-GC lines (bench/lib/heap-on-signal.js), oldest first. */
function heapReports(output) {
  return [...output.matchAll(/HEAP-AFTER-GC (\{[^\n]*\})/g)].map(([, json]) => JSON.parse(json));
}

function printHeaps(heaps, exportStarted) {
  const mb = (bytes) => (bytes / 1024 / 1024).toFixed(1);
  console.log('V8 heap after a full GC (before, every --heap-probe-ms during the export, after):');
  console.log(
    heaps
      .map(
        (report) =>
          `${report.at < exportStarted ? 'before' : `${((report.at - exportStarted) / 1000).toFixed(0)} s`}: ${mb(report.heapUsed)} MB heap, ${mb(report.external)} MB external`,
      )
      .join('; '),
  );
}
