import Redis from 'ioredis';
import type { Socket } from 'socket.io-client';
import { connect, request, requestOk, wholeHistory } from '../support/clients';
import { untilEventsInFlight } from '../support/http';
import { startNode, TestNode } from '../support/nodes';
import { uniqueRoom, useCluster } from '../support/scenario';
import { makeToken } from '../support/tokens';
import { SendOutcome, Traffic } from '../support/traffic';

const SENDERS = 6;
/** Per sender: several sends on the wire at once, so that some are always in flight. */
const SENDS_IN_FLIGHT = 4;
const NODE_ENV = { THROTTLE_WS_LIMIT: '0' };

interface Stored {
  id: string;
  userId: string;
  content: string;
  clientMsgId?: string;
}

function sessionNotice(socket: Socket): Promise<unknown> {
  return new Promise((resolve) => socket.once('session', resolve));
}

/** Senders on `node`, each under sustained load, and the `session` notice each of them will get. */
async function loadNode(node: TestNode, room: string) {
  const senders = await Promise.all(Array.from({ length: SENDERS }, (_, i) => connect(node.url, { token: makeToken({ sub: `sender-${i}` }) })));
  for (const sender of senders) await requestOk(sender, 'room:join', { room });
  const notices = senders.map(sessionNotice);
  const traffic = senders.map((sender, i) => new Traffic(sender, room, `s${i}`, SENDS_IN_FLIGHT));
  await Promise.all(traffic.map((t) => t.until((outcomes) => outcomes.filter((o) => o.ack?.ok).length >= 20)));
  return { senders, notices, traffic };
}

/** Sends a signal and resolves with the exit code and how long the process took to go. */
async function signal(node: TestNode, name: NodeJS.Signals): Promise<{ code: number | string; afterMs: number; at: number }> {
  const at = Date.now();
  const code = await node.stop(name);
  return { code, afterMs: Date.now() - at, at };
}

/**
 * History against the senders' outcomes: every acknowledged send is stored; every stored message is a whole
 * message from a send that was made, stored once; no send refused `unavailable` is stored.
 */
function expectConsistent(stored: Stored[], outcomes: SendOutcome[]): void {
  const sent = new Set(outcomes.map((o) => o.clientMsgId));
  for (const message of stored) {
    expect(message.content).toBe(message.clientMsgId);
    expect(sent.has(message.content)).toBe(true);
    expect(message.userId).toBe(`sender-${/^s(\d+)/.exec(message.content)![1]}`);
  }
  expect(new Set(stored.map((m) => m.clientMsgId)).size).toBe(stored.length);
  const storedIds = new Set(stored.map((m) => m.id));
  for (const o of outcomes.filter((o) => o.ack?.ok)) expect(storedIds.has(o.ack!.ok ? o.ack!.data.id : '')).toBe(true);
  const refused = outcomes.filter((o) => o.ack?.ok === false);
  for (const o of refused) expect(o.ack).toMatchObject({ ok: false, error: { code: 'unavailable' } });
  const refusedIds = new Set(refused.map((o) => o.clientMsgId));
  expect(stored.filter((m) => refusedIds.has(m.content))).toEqual([]);
}

function summary(outcomes: SendOutcome[], stored: Stored[]): string {
  const unanswered = outcomes.filter((o) => !o.ack);
  return (
    `${outcomes.filter((o) => o.ack?.ok).length} acknowledged, ${outcomes.filter((o) => o.ack?.ok === false).length} refused unavailable, ` +
    `${unanswered.length} unanswered (${unanswered.filter((o) => stored.some((m) => m.content === o.clientMsgId)).length} of them stored)`
  );
}

describe('graceful shutdown under load', () => {
  const cluster = useCluster(1, NODE_ENV);

  it('drains on SIGTERM: exits 0 within 10 s, tells every client, keeps every acknowledged send and half-stores none', async () => {
    const room = uniqueRoom('drain');
    const node = await startNode({ REDIS_URL: cluster.redis.url, NODE_ID: 'draining', ...NODE_ENV });
    const { notices, traffic } = await loadNode(node, room);

    const exit = await signal(node, 'SIGTERM');
    expect(exit.code).toBe(0);
    expect(exit.afterMs).toBeLessThan(10_000);
    expect(await Promise.all(notices)).toEqual(notices.map(() => ({ reason: 'shutdown' })));
    await Promise.all(traffic.map((t) => t.done));

    const reader = await connect(cluster.nodes[0].url, { token: makeToken({ sub: 'auditor' }) });
    const stored = await wholeHistory<Stored>(reader, room);
    const outcomes = traffic.flatMap((t) => t.outcomes);
    expectConsistent(stored, outcomes);
    console.log(`shutdown under load: exit 0 after ${exit.afterMs} ms; ${summary(outcomes, stored)}`);
  });

  it('answers every send in flight at SIGTERM (stuck in a slow Redis) before it goes, and accepts none after', async () => {
    const room = uniqueRoom('in-flight');
    // commands wait for the slow Redis rather than time out (a timeout would answer unavailable)
    const node = await startNode({ REDIS_URL: cluster.redis.url, NODE_ID: 'slow-redis', REDIS_COMMAND_TIMEOUT_MS: '10000', ...NODE_ENV });
    const latecomer = await connect(node.url, { token: makeToken({ sub: 'latecomer' }) });
    await requestOk(latecomer, 'room:join', { room });
    const { notices, traffic } = await loadNode(node, room);
    const operator = new Redis(cluster.redis.url, { maxRetriesPerRequest: 0 });
    // Redis holds every write until the drain has begun and a send made after it was refused
    await operator.call('CLIENT', 'PAUSE', '10000', 'WRITE');
    const exit = await (async () => {
      try {
        // every sender's every lane now waits on Redis: nothing is on its way to the node
        await untilEventsInFlight(node.url, SENDERS * SENDS_IN_FLIGHT);
        const signalledAt = Date.now();
        const exited = node.stop('SIGTERM');
        await node.untilLogged(/SIGTERM: draining/);
        const late = await request(latecomer, 'message:send', { room, content: 'after SIGTERM', clientMsgId: 'after-sigterm' });
        expect(late).toMatchObject({ ok: false, error: { code: 'unavailable' } });
        await operator.call('CLIENT', 'UNPAUSE');
        return { code: await exited, afterMs: Date.now() - signalledAt, at: signalledAt };
      } finally {
        operator.disconnect();
      }
    })();
    expect(exit.code).toBe(0);
    expect(exit.afterMs).toBeLessThan(10_000);
    expect(await Promise.all(notices)).toEqual(notices.map(() => ({ reason: 'shutdown' })));
    await Promise.all(traffic.map((t) => t.done));

    const outcomes = traffic.flatMap((t) => t.outcomes);
    const inFlight = outcomes.filter((o) => o.sentAt < exit.at && o.answeredAt >= exit.at);
    expect(inFlight).toHaveLength(SENDERS * SENDS_IN_FLIGHT);
    for (const o of outcomes.filter((o) => o.sentAt < exit.at)) expect(o.ack).toMatchObject({ ok: true });
    // sends the lanes made once their in-flight ones were answered: refused, or cut off by the closing transport
    for (const o of outcomes.filter((o) => o.sentAt >= exit.at)) expect(o.ack === undefined || (!o.ack.ok && o.ack.error.code === 'unavailable')).toBe(true);

    const reader = await connect(cluster.nodes[0].url, { token: makeToken({ sub: 'auditor' }) });
    const stored = await wholeHistory<Stored>(reader, room);
    expectConsistent(stored, outcomes);
    console.log(`shutdown with ${inFlight.length} sends stuck in Redis: exit 0 after ${exit.afterMs} ms; ${summary(outcomes, stored)}`);
  });
});
