#!/usr/bin/env node
/**
 * Connection capacity, by hand: opens N authenticated socket.io connections to a running node (loopback
 * only), each joining one of R rooms, and reports the handshake rate, the node's resident memory before and
 * after (from /proc, so run it on the node's machine), and one message's fan-out time to every member.
 *
 *   node bench/connections.js --url http://127.0.0.1:3000 --secret "$JWT_SECRET" --pid <node pid> --connections 5000 --rooms 50
 *
 * The node must allow the rate: start it with HANDSHAKE_LIMIT_PER_IP at least N. One process holds up to
 * about 20 000 sockets here (open-file limit); split larger runs.
 */
const { readFileSync } = require('node:fs');
const { io } = require('socket.io-client');
const { sign } = require('jsonwebtoken');

const args = process.argv.slice(2);
const arg = (name, fallback) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : fallback);
const url = arg('url', 'http://127.0.0.1:3000');
const secret = arg('secret', process.env.JWT_SECRET);
const pid = Number(arg('pid', 0));
const total = Number(arg('connections', 2000));
const roomCount = Number(arg('rooms', 20));
const batch = Number(arg('batch', 200));
if (!secret) throw new Error('pass --secret');
if (!['127.0.0.1', 'localhost'].includes(new URL(url).hostname)) throw new Error('loopback only');

const rssMb = () => (pid ? Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024 : NaN);

function open(index) {
  const token = sign({ sub: `conn-${process.pid}-${index}`, exp: Math.floor(Date.now() / 1000) + 3600 }, secret);
  const socket = io(`${url}/chat`, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true, timeout: 20_000 });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (error) => reject(new Error(`connect_error ${error.message} ${JSON.stringify(error.data)}`)));
  });
}

async function main() {
  const rssBefore = rssMb();
  const sockets = [];
  const started = Date.now();
  for (let i = 0; i < total; i += batch) {
    const opened = await Promise.all(Array.from({ length: Math.min(batch, total - i) }, (_, j) => open(i + j)));
    await Promise.all(opened.map((socket, j) => socket.timeout(20_000).emitWithAck('room:join', { room: `cap-${(i + j) % roomCount}` })));
    sockets.push(...opened);
  }
  const connectSeconds = (Date.now() - started) / 1000;
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const rssAfter = rssMb();

  const members = sockets.filter((_, i) => i % roomCount === 0);
  const arrived = Promise.all(members.slice(1).map((socket) => new Promise((resolve) => socket.once('message', resolve))));
  const sentAt = Date.now();
  await members[0].timeout(20_000).emitWithAck('message:send', { room: 'cap-0', content: 'fan-out probe' });
  await arrived;
  const fanOutMs = Date.now() - sentAt;

  for (const socket of sockets) socket.close();
  console.log(
    JSON.stringify({
      connections: sockets.length,
      rooms: roomCount,
      handshakesAndJoinsPerSecond: Math.round(sockets.length / connectSeconds),
      nodeRssMbBefore: Math.round(rssBefore),
      nodeRssMbAfter: Math.round(rssAfter),
      kbPerConnection: Math.round(((rssAfter - rssBefore) * 1024) / sockets.length),
      fanOutToRoomMs: fanOutMs,
      roomSize: members.length,
    }),
  );
  process.exit(0);
}

main().catch((error) => {
  console.error(error.message);
  process.exit(1);
});
