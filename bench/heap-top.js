#!/usr/bin/env node
/**
 * Summarises a heap snapshot (bench/memory.js --heap-snapshot dir): shallow size and count by object kind and
 * constructor name, so that what each connection keeps can be read off (divide by the connection count).
 *
 *   node bench/heap-top.js dir/Heap.*.heapsnapshot [--per 3000] [--top 30]
 */
const { readFileSync } = require('node:fs');
const { parseArgs } = require('./lib/harness');

const args = parseArgs();
const per = args.number('per', 1);
const top = args.number('top', 30);
const snapshot = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const { node_fields: fields, node_types: [types] } = snapshot.snapshot.meta;
const width = fields.length;
const at = Object.fromEntries(fields.map((name, i) => [name, i]));
const groups = new Map();
let total = 0;
for (let i = 0; i < snapshot.nodes.length; i += width) {
  const type = types[snapshot.nodes[i + at.type]];
  const name = snapshot.strings[snapshot.nodes[i + at.name]];
  const size = snapshot.nodes[i + at.self_size];
  const key = `${type}: ${type === 'string' || type === 'concatenated string' || type === 'sliced string' ? '(strings)' : name.slice(0, 60)}`;
  const group = groups.get(key) ?? { size: 0, count: 0 };
  group.size += size;
  group.count += 1;
  groups.set(key, group);
  total += size;
}
console.log(`${(total / 1024 / 1024).toFixed(1)} MB shallow in the heap; per unit (--per ${per}): ${(total / per / 1024).toFixed(1)} KB`);
for (const [key, { size, count }] of [...groups].sort((a, b) => b[1].size - a[1].size).slice(0, top)) {
  console.log(`${(size / per).toFixed(0).padStart(8)} B/unit ${(count / per).toFixed(1).padStart(7)} objects/unit  ${key}`);
}
