import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { collect, connect, requestOk } from '../support/clients';
import { Condition } from '../support/condition';
import { http } from '../support/http';
import { closeAllPlainClients, connectPlain, PlainClient } from '../support/plain-websocket';
import { uniqueRoom, useCluster } from '../support/scenario';
import { makeToken } from '../support/tokens';

const MiB = 1024 * 1024;
const SEND_BUFFER_MAX_BYTES = 1 * MiB;
const MESSAGE_LENGTH = 60_000;
/** 36 MB for each member: 36 times the bound, far more than the kernel's socket buffers absorb on loopback. */
const MESSAGES = 600;
const SENDS_IN_FLIGHT = 8;
const PAUSED_CLIENTS = 2;
/**
 * What the flood itself may add to the node's memory whatever the clients do: each message's strings (parsed
 * from Redis, encoded once per broadcast) and the heap growth they cause before a collection. Measured: 12 to
 * 15 MiB of growth on Node 20 with the bound in place; 95 MiB without it (the two paused clients' backlogs).
 */
const FLOOD_WORKING_SET_BYTES = 32 * MiB;
const API_KEY = 'k3y-for-the-slow-consumer-end-to-end-tests-012345';

/** A node's resident memory, from the kernel. */
function rssOf(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match![1]) * 1024;
}

/** Polls the server API: a lease's release announces itself to no one outside the node. */
async function untilOffline(baseUrl: string, userId: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const presence = await http<{ online: boolean }>(baseUrl, 'GET', `/server/users/${userId}/presence`, { headers: { 'x-api-key': API_KEY } });
    if (!presence.body.online) return;
    if (Date.now() > deadline) throw new Error(`${userId} still online: ${JSON.stringify(presence.body)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * A Socket.IO client speaking the engine.io protocol over a raw WebSocket (no client library), so that the test
 * decides when it stops reading: it connects to /chat, joins the room, and then pauses its socket.
 */
async function rawSocketIoMember(baseUrl: string, token: string, room: string): Promise<WebSocket> {
  const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`);
  const frames: string[] = [];
  let arrived: () => void = () => undefined;
  ws.on('message', (data) => {
    frames.push(data.toString());
    arrived();
  });
  const next = async (prefix: string): Promise<string> => {
    for (;;) {
      const index = frames.findIndex((frame) => frame.startsWith(prefix));
      if (index >= 0) return frames.splice(index, 1)[0];
      await new Promise<void>((resolve) => (arrived = resolve));
    }
  };
  await next('0{');
  ws.send(`40/chat,${JSON.stringify({ token })}`);
  await next('40/chat,');
  ws.send(`42/chat,1${JSON.stringify(['room:join', { room }])}`);
  expect(await next('43/chat,1')).toContain('"ok":true');
  return ws;
}

/**
 * Slow consumers: a client that stops reading while its room is flooded is closed once its unsent output
 * passes SEND_BUFFER_MAX_BYTES, the node's memory stays within that bound per such client (plus what the flood
 * itself costs), and the other members get every message.
 */
describe('slow consumers', () => {
  const cluster = useCluster(2, {
    THROTTLE_WS_LIMIT: '0',
    SEND_BUFFER_MAX_BYTES: String(SEND_BUFFER_MAX_BYTES),
    MESSAGE_MAX_LENGTH: String(MESSAGE_LENGTH),
    SERVER_API_KEYS: API_KEY,
  });
  afterEach(() => closeAllPlainClients());

  it('closes a Socket.IO and a /ws client that stop reading (the /ws one with 1013), keeps the node bounded, and delivers everything to the others', async () => {
    const [flooded, other] = cluster.nodes;
    const room = uniqueRoom('flood');
    const readers = await Promise.all([
      connect(flooded.url, { token: makeToken({ sub: 'reader-io' }) }),
      connect(other.url, { token: makeToken({ sub: 'reader-far' }) }),
    ]);
    for (const reader of readers) await requestOk(reader, 'room:join', { room });
    const plainReader = await connectPlain(flooded.url, { token: makeToken({ sub: 'reader-ws' }) });
    await plainReader.requestOk('room:join', { room });
    const received = [...readers.map((reader) => collect<{ id: string }>(reader, 'message')), plainReader.collect<{ id: string }>('message')];
    const arrivals = new Condition(() => received.map((messages) => messages.length).join(', '));
    for (const reader of readers) reader.on('message', () => arrivals.changed());
    plainReader.ws.on('message', () => arrivals.changed());

    const stalledIo = await rawSocketIoMember(flooded.url, makeToken({ sub: 'stalled-io' }), room);
    const stalledWs: PlainClient = await connectPlain(flooded.url, { token: makeToken({ sub: 'stalled-ws' }) });
    await stalledWs.requestOk('room:join', { room });
    stalledIo.pause();
    stalledWs.ws.pause();

    const baseline = rssOf(flooded.process.pid!);
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, rssOf(flooded.process.pid!))), 50);
    const sender = await connect(other.url, { token: makeToken({ sub: 'flooder' }) });
    await requestOk(sender, 'room:join', { room });
    const acked: string[] = [];
    try {
      let next = 0;
      await Promise.all(
        Array.from({ length: SENDS_IN_FLIGHT }, async () => {
          while (next < MESSAGES) {
            const i = next++;
            const content = `${String(i).padStart(6, '0')}${'x'.repeat(MESSAGE_LENGTH - 6)}`;
            acked.push((await requestOk<{ id: string }>(sender, 'message:send', { room, content, clientMsgId: `flood-${i}` })).id);
          }
        }),
      );
      // every reader, on either node and of either kind, gets every message while two members do not read at all
      await arrivals.until(() => received.every((messages) => messages.length >= MESSAGES), 60_000);
    } finally {
      clearInterval(sampler);
    }
    for (const messages of received) expect(new Set(messages.map((message) => message.id))).toEqual(new Set(acked));

    const growth = peak - baseline;
    console.log(
      `slow consumers: ${MESSAGES} messages of ${MESSAGE_LENGTH} characters (${((MESSAGES * MESSAGE_LENGTH) / MiB).toFixed(1)} MiB per member), ` +
        `${PAUSED_CLIENTS} members not reading, SEND_BUFFER_MAX_BYTES ${SEND_BUFFER_MAX_BYTES}: node RSS ${(baseline / MiB).toFixed(1)} MiB before, ` +
        `peak ${(peak / MiB).toFixed(1)} MiB (+${(growth / MiB).toFixed(1)} MiB)`,
    );
    expect(growth).toBeLessThanOrEqual(PAUSED_CLIENTS * SEND_BUFFER_MAX_BYTES + FLOOD_WORKING_SET_BYTES);

    // the node closed both stalled clients, and the cluster forgot them (their connection leases are released)
    await flooded.untilLogged(/closed a websocket connection .*SEND_BUFFER_MAX_BYTES/, 10_000);
    await flooded.untilLogged(/closed a plain-websocket connection .*SEND_BUFFER_MAX_BYTES/, 10_000);
    for (const userId of ['stalled-io', 'stalled-ws']) await untilOffline(flooded.url, userId);
    // once it reads again, the /ws client finds its backlog (what was written before the bound) and then 1013
    stalledWs.ws.resume();
    expect(await stalledWs.closed).toMatchObject({ code: 1013 });
    stalledIo.resume();
    await new Promise<void>((resolve) => (stalledIo.readyState === WebSocket.CLOSED ? resolve() : stalledIo.once('close', () => resolve())));
  }, 120_000);
});
