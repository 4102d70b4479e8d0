#!/usr/bin/env node
/**
 * Reads an allocation profile written by alloc-profile.js and prints the functions that allocate the most bytes
 * (self) and the files/packages under which they are allocated (inclusive).
 *
 *   node bench/alloc-top.js alloc-<pid>.json [--top 30]
 */
const { readFileSync } = require('node:fs');
const { parseArgs } = require('./lib/harness');

const args = parseArgs();
const top = args.number('top', 30);
const profile = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const short = (url) =>
  url
    .replace(/^file:\/\//, '')
    .replace(/^.*\/node_modules\//, 'npm:')
    .replace(/^\/.*\/dist\//, 'dist/');
const bytesByNode = new Map();
for (const sample of profile.samples) bytesByNode.set(sample.nodeId, (bytesByNode.get(sample.nodeId) ?? 0) + sample.size);

const selfByFunction = new Map();
const inclusiveByFile = new Map();
let total = 0;
const walk = (node, files) => {
  const { functionName, url, lineNumber } = node.callFrame;
  const bytes = bytesByNode.get(node.id) ?? 0;
  const file = short(url).split('/').slice(0, 2).join('/') || '(native)';
  const key = `${functionName || '(anonymous)'}  ${short(url) || '(native)'}:${lineNumber + 1}`;
  total += bytes;
  selfByFunction.set(key, (selfByFunction.get(key) ?? 0) + bytes);
  const under = new Set(files).add(file);
  for (const each of under) inclusiveByFile.set(each, (inclusiveByFile.get(each) ?? 0) + bytes);
  for (const child of node.children) walk(child, under);
};
walk(profile.head, new Set());

const print = (title, entries) => {
  console.log(`\n${title}`);
  for (const [name, bytes] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`${((100 * bytes) / total).toFixed(1).padStart(5)}%  ${name}`);
};
console.log(`${(total / 1e6).toFixed(1)} MB sampled`);
print('allocated bytes by function', selfByFunction);
print('allocated bytes under file or package', inclusiveByFile);
