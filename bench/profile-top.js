#!/usr/bin/env node
/**
 * Reads a V8 CPU profile (node --cpu-prof, e.g. from `bench/compare.js --node-args "--cpu-prof --cpu-prof-dir=prof"`)
 * and prints the functions with the most self time, and the files/packages with the most self and inclusive time.
 *
 *   node bench/profile-top.js prof/CPU.*.cpuprofile [--top 25]
 */
const { readFileSync } = require('node:fs');
const { parseArgs } = require('./lib/harness');

const args = parseArgs();
const file = process.argv[2];
const top = args.number('top', 25);
const profile = JSON.parse(readFileSync(file, 'utf8'));

const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const selfUs = new Map();
const deltas = profile.timeDeltas;
const parents = new Map();
for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
/** Start-up (module loading, Nest's bootstrap) runs under the main module; idle is time not spent at all. */
const isStartupOrIdle = (id) => {
  if (byId.get(id).callFrame.functionName === '(idle)') return true;
  for (let node = id; node !== undefined; node = parents.get(node)) if (byId.get(node).callFrame.url === 'node:internal/main/run_main_module') return true;
  return false;
};
profile.samples.forEach((id, i) => isStartupOrIdle(id) || selfUs.set(id, (selfUs.get(id) ?? 0) + (deltas[i] ?? 0)));
const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0);

const short = (url) =>
  url
    .replace(/^file:\/\//, '')
    .replace(/^.*\/node_modules\//, 'npm:')
    .replace(/^\/.*\/dist\//, 'dist/') || '(native)';
const packageOf = (url) => {
  const path = short(url);
  if (path.startsWith('npm:'))
    return path
      .split('/')
      .slice(0, path.startsWith('npm:@') ? 2 : 1)
      .join('/');
  return path;
};
const selfByFunction = new Map();
const selfByFile = new Map();
const inclusiveByFile = new Map();
for (const [id, us] of selfUs) {
  const { callFrame } = byId.get(id);
  const key = `${callFrame.functionName || '(anonymous)'}  ${short(callFrame.url)}:${callFrame.lineNumber + 1}`;
  selfByFunction.set(key, (selfByFunction.get(key) ?? 0) + us);
  selfByFile.set(packageOf(callFrame.url), (selfByFile.get(packageOf(callFrame.url)) ?? 0) + us);
  // inclusive: each file on the stack once per sample
  const seen = new Set();
  for (let node = id; node !== undefined; node = parents.get(node)) {
    const pkg = packageOf(byId.get(node).callFrame.url);
    if (!seen.has(pkg)) {
      seen.add(pkg);
      inclusiveByFile.set(pkg, (inclusiveByFile.get(pkg) ?? 0) + us);
    }
  }
}

const print = (title, map) => {
  console.log(`\n${title}`);
  for (const [key, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${((us / totalUs) * 100).toFixed(1).padStart(5)}%  ${key}`);
};
console.log(`${(totalUs / 1e6).toFixed(1)} s sampled, start-up and idle left out`);
print('self time by function', selfByFunction);
print('self time by file or package', selfByFile);
print('inclusive time by file or package', inclusiveByFile);
