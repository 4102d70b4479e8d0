#!/usr/bin/env node
/**
 * Summarises a heap snapshot (bench/memory.js --heap-snapshot dir): shallow size and count by object kind and
 * constructor name, so that what each connection keeps can be read off (divide by the connection count).
 *
 *   node bench/heap-top.js dir/Heap.*.heapsnapshot [--per 3000] [--top 30] [--base before.heapsnapshot] [--by retainer]
 *
 * --base: subtract a snapshot of the same server taken before the connections (memory.js writes one first with
 * --heap-snapshot), so that the start-up heap does not count. --by retainer: group by who holds each object too
 * (the retaining object's constructor and the property's name, for the first retainer the snapshot lists).
 */
const { readFileSync } = require('node:fs');
const { parseArgs } = require('./lib/harness');

const args = parseArgs();
const per = args.number('per', 1);
const top = args.number('top', 30);
const byRetainer = args.get('by', '') === 'retainer';
const STRING_TYPES = new Set(['string', 'concatenated string', 'sliced string']);

function groupsOf(file) {
  const snapshot = JSON.parse(readFileSync(file, 'utf8'));
  const {
    node_fields: fields,
    node_types: [types],
    edge_fields: edgeFields,
    edge_types: [edgeTypes],
  } = snapshot.snapshot.meta;
  const width = fields.length;
  const at = Object.fromEntries(fields.map((name, i) => [name, i]));
  const edgeAt = Object.fromEntries(edgeFields.map((name, i) => [name, i]));
  const { nodes, edges, strings } = snapshot;
  const labelOf = (i) => {
    const type = types[nodes[i + at.type]];
    return `${type}: ${STRING_TYPES.has(type) ? '(strings)' : strings[nodes[i + at.name]].slice(0, 60)}`;
  };
  const retainerOf = new Map();
  if (byRetainer) {
    let edge = 0;
    for (let i = 0; i < nodes.length; i += width) {
      for (let e = 0; e < nodes[i + at.edge_count]; e++, edge += edgeFields.length) {
        const edgeType = edgeTypes[edges[edge + edgeAt.type]];
        if (edgeType === 'weak' || edgeType === 'shortcut') continue;
        const target = edges[edge + edgeAt.to_node];
        if (retainerOf.has(target)) continue;
        const nameOrIndex = edges[edge + edgeAt.name_or_index];
        const edgeName = edgeType === 'element' || edgeType === 'hidden' ? `[${nameOrIndex}]` : String(strings[nameOrIndex]).slice(0, 30);
        retainerOf.set(target, `${labelOf(i).replace(/^object: /, '')}.${edgeName}`);
      }
    }
  }
  const groups = new Map();
  let total = 0;
  for (let i = 0; i < nodes.length; i += width) {
    const size = nodes[i + at.self_size];
    const key = byRetainer ? `${labelOf(i)}  <-  ${retainerOf.get(i) ?? '(root)'}` : labelOf(i);
    const group = groups.get(key) ?? { size: 0, count: 0 };
    group.size += size;
    group.count += 1;
    groups.set(key, group);
    total += size;
  }
  return { groups, total };
}

const { groups, total } = groupsOf(process.argv[2]);
const basePath = args.get('base', '');
let baseTotal = 0;
if (basePath) {
  const base = groupsOf(basePath);
  baseTotal = base.total;
  for (const [key, { size, count }] of base.groups) {
    const group = groups.get(key) ?? { size: 0, count: 0 };
    group.size -= size;
    group.count -= count;
    groups.set(key, group);
  }
}
const net = total - baseTotal;
console.log(
  `${(total / 1024 / 1024).toFixed(1)} MB shallow in the heap${basePath ? `, ${(net / 1024 / 1024).toFixed(1)} MB more than the base` : ''}; per unit (--per ${per}): ${(net / per / 1024).toFixed(1)} KB`,
);
for (const [key, { size, count }] of [...groups].sort((a, b) => b[1].size - a[1].size).slice(0, top)) {
  console.log(`${(size / per).toFixed(0).padStart(8)} B/unit ${(count / per).toFixed(1).padStart(7)} objects/unit  ${key}`);
}
