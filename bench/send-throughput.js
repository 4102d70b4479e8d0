#!/usr/bin/env node
/**
 * message:send throughput and ack latency against a running node, by hand (not part of the test suite):
 *
 *   node bench/send-throughput.js --url http://127.0.0.1:3000 --secret "$JWT_SECRET" --clients 20 --messages 500 --in-flight 10 [--parser msgpack]
 *
 * Opens N socket.io clients (one user and one room each, so that no broadcast fan-out is measured), sends M
 * messages per client with at most `in-flight` unacknowledged at a time, and reports acks/s and ack latency.
 * Run it twice to see the cost of the socket throttle: against a node started with a limit no client reaches
 * (THROTTLE_WS_LIMIT=1000000) and against one with the throttle off (THROTTLE_WS_LIMIT=0).
 * Loopback only: it is a load generator.
 */
const { io } = require('socket.io-client');
const { sign } = require('jsonwebtoken');

function options() {
  const args = process.argv.slice(2);
  const value = (name, fallback) => {
    const index = args.indexOf(`--${name}`);
    return index >= 0 ? args[index + 1] : fallback;
  };
  const parsed = {
    url: value('url', 'http://127.0.0.1:3000'),
    secret: value('secret', process.env.JWT_SECRET),
    clients: Number(value('clients', 20)),
    messages: Number(value('messages', 500)),
    inFlight: Number(value('in-flight', 10)),
    size: Number(value('size', 100)),
    listeners: Number(value('listeners', 0)),
    // `msgpack` for a node started with SOCKET_PARSER=msgpack
    parser: value('parser', 'json'),
  };
  if (!parsed.secret) throw new Error("pass --secret (the node's JWT_SECRET) or set JWT_SECRET");
  const host = new URL(parsed.url).hostname;
  if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host)) throw new Error(`loopback only, not ${host}`);
  return parsed;
}

function connectClient(url, secret, index, parser) {
  const token = sign({ sub: `bench-${process.pid}-${index}`, exp: Math.floor(Date.now() / 1000) + 3600 }, secret, { algorithm: 'HS256' });
  const socket = io(`${url}/chat`, {
    auth: { token },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    ...(parser === 'msgpack' ? { parser: require('socket.io-msgpack-parser') } : {}),
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (error) => reject(new Error(`connect_error: ${error.message}`)));
  });
}

async function sendAll(socket, room, count, inFlight, content, latencies, outcomes) {
  let next = 0;
  const lane = async () => {
    while (next < count) {
      next += 1;
      const started = process.hrtime.bigint();
      const ack = await socket.timeout(10_000).emitWithAck('message:send', { room, content });
      latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
      const outcome = ack.ok ? 'ok' : ack.error.code;
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function main() {
  const { url, secret, clients, messages, inFlight, size, listeners, parser } = options();
  const sockets = await Promise.all(Array.from({ length: clients }, (_, i) => connectClient(url, secret, i, parser)));
  const rooms = sockets.map((_, i) => `bench-${process.pid}-${i}`);
  await Promise.all(sockets.map((socket, i) => socket.emitWithAck('room:join', { room: rooms[i] })));
  // --listeners K: K more members in every room, each its own user, so that each send fans out to K sockets
  let deliveries = 0;
  const audience = await Promise.all(Array.from({ length: clients * listeners }, (_, i) => connectClient(url, secret, clients + i, parser)));
  await Promise.all(audience.map((socket, i) => socket.emitWithAck('room:join', { room: rooms[i % clients] })));
  for (const socket of audience) socket.on('message', () => (deliveries += 1));
  const content = 'x'.repeat(size);

  // warm-up: scripts loaded, connections hot
  await Promise.all(sockets.map((socket, i) => sendAll(socket, rooms[i], 20, 2, content, [], new Map())));

  const latencies = [];
  const outcomes = new Map();
  const started = process.hrtime.bigint();
  await Promise.all(sockets.map((socket, i) => sendAll(socket, rooms[i], messages, inFlight, content, latencies, outcomes)));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  for (const socket of [...sockets, ...audience]) socket.close();

  latencies.sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      clients,
      messagesPerClient: messages,
      inFlightPerClient: inFlight,
      acks: latencies.length,
      outcomes: Object.fromEntries(outcomes),
      acksPerSecond: Math.round(latencies.length / seconds),
      deliveriesPerSecond: Math.round(deliveries / seconds),
      p50Ms: Number(percentile(latencies, 50).toFixed(2)),
      p99Ms: Number(percentile(latencies, 99).toFixed(2)),
    }),
  );
}

main().catch((error) => {
  console.error(error.message);
  process.exit(1);
});
