#!/usr/bin/env node
/**
 * Draws the fan-out results (bench/results/fanout-<clients>c-<rate>r.json, written by bench/fanout.js) as one
 * SVG: delivery latency percentiles and node CPU per delivery against the send rate, product against baseline.
 * Hand-written SVG, no plotting dependency.
 *
 *   node bench/plot.js [--clients 500] [--results bench/results] [--out docs/performance-fanout.svg]
 */
const { readdirSync, readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { parseArgs } = require('./lib/harness');

const args = parseArgs();
const resultsDir = args.get('results', join(__dirname, 'results'));
const out = args.get('out', join(__dirname, '..', 'docs', 'performance-fanout.svg'));
const clients = args.number('clients', 500);

const results = readdirSync(resultsDir)
  .filter((file) => file.startsWith(`fanout-${clients}c-`) && file.endsWith('.json'))
  .map((file) => JSON.parse(readFileSync(join(resultsDir, file), 'utf8')))
  .sort((a, b) => a.rate - b.rate);
if (results.length === 0) throw new Error(`no fanout-${clients}c-*.json in ${resultsDir}: run bench/fanout.js first`);

const COLORS = { product: '#c0392b', baseline: '#2c6fbb' };
const PERCENTILES = [
  ['deliveryP50Ms', 'p50', ''],
  ['deliveryP95Ms', 'p95', '6 3'],
  ['deliveryP99Ms', 'p99', '2 3'],
];
const PANEL = { width: 420, height: 300, left: 60, top: 50 };
const escape = (text) => String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;');

function niceMax(value) {
  const magnitude = 10 ** Math.floor(Math.log10(value || 1));
  return [1, 2, 2.5, 5, 10].map((step) => step * magnitude).find((candidate) => candidate >= value);
}

/** One panel: axes, grid, and a polyline per series; series = [{ label, color, dash, points: [[x, y]] }]. */
function panel(offsetX, title, yLabel, series, { log = false } = {}) {
  const rates = results.map((r) => r.rate);
  const xMin = Math.min(...rates);
  const xMax = Math.max(...rates);
  const values = series.flatMap((s) => s.points.map(([, y]) => y)).filter((v) => v > 0);
  const yMax = log ? 10 ** Math.ceil(Math.log10(Math.max(...values))) : niceMax(Math.max(...values));
  const yMin = log ? 10 ** Math.floor(Math.log10(Math.min(...values))) : 0;
  const scale = (value) => (log ? (Math.log10(Math.max(value, yMin)) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin)) : value / yMax);
  const ticks = log ? Array.from({ length: Math.log10(yMax / yMin) + 1 }, (_, i) => yMin * 10 ** i) : Array.from({ length: 6 }, (_, i) => (yMax * i) / 5);
  const x = (rate) => offsetX + PANEL.left + (xMax === xMin ? PANEL.width / 2 : ((rate - xMin) / (xMax - xMin)) * PANEL.width);
  const y = (value) => PANEL.top + PANEL.height - scale(value) * PANEL.height;
  const parts = [`<text x="${offsetX + PANEL.left + PANEL.width / 2}" y="30" text-anchor="middle" font-weight="bold">${escape(title)}</text>`];
  for (const value of ticks) {
    parts.push(`<line x1="${offsetX + PANEL.left}" x2="${offsetX + PANEL.left + PANEL.width}" y1="${y(value)}" y2="${y(value)}" stroke="#ddd"/>`);
    parts.push(`<text x="${offsetX + PANEL.left - 6}" y="${y(value) + 4}" text-anchor="end">${Number(value.toPrecision(3))}</text>`);
  }
  for (const rate of rates) parts.push(`<text x="${x(rate)}" y="${PANEL.top + PANEL.height + 18}" text-anchor="middle">${rate}</text>`);
  parts.push(
    `<text x="${offsetX + PANEL.left + PANEL.width / 2}" y="${PANEL.top + PANEL.height + 38}" text-anchor="middle">sends per second (${clients} clients, rooms of ${results[0].roomSize}, two nodes)</text>`,
  );
  parts.push(`<text transform="translate(${offsetX + 16},${PANEL.top + PANEL.height / 2}) rotate(-90)" text-anchor="middle">${escape(yLabel)}</text>`);
  parts.push(`<rect x="${offsetX + PANEL.left}" y="${PANEL.top}" width="${PANEL.width}" height="${PANEL.height}" fill="none" stroke="#888"/>`);
  series.forEach((s, i) => {
    const points = s.points.map(([px, py]) => `${x(px).toFixed(1)},${y(py).toFixed(1)}`).join(' ');
    parts.push(`<polyline points="${points}" fill="none" stroke="${s.color}" stroke-width="2" ${s.dash ? `stroke-dasharray="${s.dash}"` : ''}/>`);
    for (const [px, py] of s.points) parts.push(`<circle cx="${x(px).toFixed(1)}" cy="${y(py).toFixed(1)}" r="3" fill="${s.color}"/>`);
    const legendY = PANEL.top + 14 + i * 16;
    parts.push(
      `<line x1="${offsetX + PANEL.left + 10}" x2="${offsetX + PANEL.left + 40}" y1="${legendY - 4}" y2="${legendY - 4}" stroke="${s.color}" stroke-width="2" ${s.dash ? `stroke-dasharray="${s.dash}"` : ''}/>`,
    );
    parts.push(`<text x="${offsetX + PANEL.left + 46}" y="${legendY}">${escape(s.label)}</text>`);
  });
  return parts.join('\n');
}

const sides = Object.keys(results[0].medians);
const latencySeries = sides.flatMap((side) =>
  PERCENTILES.map(([field, label, dash]) => ({
    label: `${side} ${label}`,
    color: COLORS[side] ?? '#555',
    dash,
    points: results.map((r) => [r.rate, r.medians[side][field]]),
  })),
);
const cpuSeries = sides.map((side) => ({
  label: side,
  color: COLORS[side] ?? '#555',
  dash: '',
  points: results.map((r) => [r.rate, r.medians[side].nodeCpuUsPerDelivery]),
}));
const width = 2 * (PANEL.left + PANEL.width + 40);
const height = PANEL.top + PANEL.height + 70;
const svg = [
  `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
  `<rect width="100%" height="100%" fill="white"/>`,
  panel(0, 'Delivery latency at receivers (median of rounds)', 'milliseconds (log scale)', latencySeries, { log: true }),
  panel(PANEL.left + PANEL.width + 40, 'Node CPU per delivery (both nodes)', 'microseconds', cpuSeries),
  `<text x="10" y="${height - 8}" fill="#666">${escape(
    `bench/fanout.js, ${results
      .map((r) => r.at.slice(0, 10))
      .filter((d, i, all) => all.indexOf(d) === i)
      .join(', ')}; load generator, nodes and redis on one shared 2-core machine`,
  )}</text>`,
  '</svg>',
].join('\n');
writeFileSync(out, `${svg}\n`);
console.log(`wrote ${out} from ${results.length} loads`);
