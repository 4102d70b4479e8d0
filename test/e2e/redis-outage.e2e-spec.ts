import Redis from 'ioredis';
import { collect, connect, connectError, disconnection, nextEvent, request, requestOk, wholeHistory } from '../support/clients';
import { httpStatus, untilEventsInFlight, untilStatus } from '../support/http';
import { startNode } from '../support/nodes';
import { uniqueRoom, useCluster } from '../support/scenario';
import { makeToken } from '../support/tokens';
import { SendOutcome, Traffic } from '../support/traffic';

const OUTAGE_MS = 4000;
/** The default REDIS_COMMAND_TIMEOUT_MS, which these nodes run with. */
const COMMAND_TIMEOUT_MS = 2000;

describe('Redis outage: SIGKILL in the middle of traffic, then a restart on the same AOF data', () => {
  const cluster = useCluster(2, { THROTTLE_WS_LIMIT: '0' });
  const nodeA = () => cluster.nodes[0];
  const nodeB = () => cluster.nodes[1];

  it('loses nothing acknowledged, answers unavailable quickly, and recovers without restarting nodes', async () => {
    const room = uniqueRoom('outage');
    const alice = await connect(nodeA().url, { token: makeToken({ sub: 'alice' }) });
    const bob = await connect(nodeB().url, { token: makeToken({ sub: 'bob' }) });
    await requestOk(alice, 'room:join', { room });
    await requestOk(bob, 'room:join', { room });
    const pids = cluster.nodes.map((node) => node.process.pid);
    const atAlice = collect<{ content: string }>(alice, 'message');
    const atBob = collect<{ content: string }>(bob, 'message');
    const fromAlice = new Traffic(alice, room, 'a');
    const fromBob = new Traffic(bob, room, 'b');
    const traffic = [fromAlice, fromBob];
    await Promise.all(traffic.map((sender) => sender.until((outcomes) => outcomes.filter((o) => o.ack?.ok).length >= 30)));

    const killedAt = Date.now();
    await cluster.redis.kill();
    const unavailableSince = (since: number) => (outcomes: SendOutcome[]) =>
      outcomes.some((o) => o.sentAt >= since && o.ack?.ok === false && o.ack.error.code === 'unavailable');
    await Promise.all(traffic.map((sender) => sender.until(unavailableSince(killedAt))));
    const firstUnavailableMs = Math.min(...traffic.map((sender) => firstAnswerAfter(sender.outcomes, killedAt, (o) => o.ack?.ok === false) - killedAt));
    const notReadyMs = Math.max(...(await Promise.all(cluster.nodes.map((node) => untilStatus(`${node.url}/health/ready`, 503)))));
    for (const node of cluster.nodes) expect(await httpStatus(`${node.url}/health/live`)).toBe(200);
    const refused = await connectError(nodeA().url, { token: makeToken({ sub: 'carol' }) });
    expect(refused.message).toBe('unavailable');
    // long enough for the reconnect back-off to reach its ceiling
    await Promise.all(traffic.map((sender) => sender.until((outcomes) => outcomes.some((o) => o.sentAt > killedAt + OUTAGE_MS))));

    const restartedAt = Date.now();
    await cluster.redis.restart();
    const readyMs = Math.max(...(await Promise.all(cluster.nodes.map((node) => untilStatus(`${node.url}/health/ready`, 200)))));
    await Promise.all(traffic.map((sender) => sender.until((outcomes) => outcomes.some((o) => o.sentAt > restartedAt && o.ack?.ok))));
    const firstOkMs = Math.min(...traffic.map((sender) => firstAnswerAfter(sender.outcomes, restartedAt, (o) => o.ack?.ok === true) - restartedAt));

    // cross-node delivery works again in both directions, through the same processes
    const bobHearsAlice = nextEvent(bob, 'message', (m: { content: string }) => m.content === 'after the outage, from A');
    await requestOk(alice, 'message:send', { room, content: 'after the outage, from A' });
    await bobHearsAlice;
    const aliceHearsBob = nextEvent(alice, 'message', (m: { content: string }) => m.content === 'after the outage, from B');
    await requestOk(bob, 'message:send', { room, content: 'after the outage, from B' });
    await aliceHearsBob;
    const deliveredMs = Date.now() - restartedAt;
    await Promise.all(traffic.map((sender) => sender.stop()));

    const outcomes = traffic.flatMap((sender) => sender.outcomes);
    // every send was answered, and every refusal says unavailable
    expect(outcomes.filter((o) => !o.ack)).toEqual([]);
    expect(new Set(outcomes.filter((o) => o.ack?.ok === false).map((o) => o.ack?.ok === false && o.ack.error.code))).toEqual(new Set(['unavailable']));

    // retries of the refused sends with the same clientMsgId are safe: each message is stored exactly once
    for (const refusedSend of outcomes.filter((o) => o.ack?.ok === false)) {
      const sender = refusedSend.clientMsgId.startsWith('a-') ? alice : bob;
      await requestOk(sender, 'message:send', { room, content: refusedSend.clientMsgId, clientMsgId: refusedSend.clientMsgId });
    }
    const stored = await wholeHistory<{ id: string; clientMsgId?: string; content: string }>(bob, room);
    const storedIds = stored.map((m) => m.clientMsgId).filter((id): id is string => id !== undefined);
    expect(new Set(storedIds).size).toBe(storedIds.length);
    for (const acknowledged of outcomes.filter((o) => o.ack?.ok)) {
      expect(stored).toContainEqual(expect.objectContaining({ id: acknowledged.ack!.ok && acknowledged.ack!.data.id, content: acknowledged.clientMsgId }));
    }
    expect(storedIds.sort()).toEqual(outcomes.map((o) => o.clientMsgId).sort());

    expect(cluster.nodes.map((node) => node.process.pid)).toEqual(pids);
    expect(cluster.nodes.every((node) => node.process.exitCode === null)).toBe(true);
    const refusedCount = outcomes.filter((o) => o.ack?.ok === false).length;
    // bounded by the command timeout, never by the length of the outage
    const slowestRefusalMs = Math.max(...outcomes.filter((o) => o.ack?.ok === false).map((o) => o.answeredAt - o.sentAt));
    expect(slowestRefusalMs).toBeLessThan(COMMAND_TIMEOUT_MS + 2000);
    for (const node of cluster.nodes) {
      expect(node.logs()).not.toMatch(/unhandled rejection|internal error/i);
      // the outage is logged once per connection, not once per refused request
      expect(node.logs().match(/WARN/g)?.length ?? 0).toBeLessThan(Math.min(20, refusedCount));
    }
    expect(atAlice.length + atBob.length).toBeGreaterThan(0);

    console.log(
      `redis outage: first unavailable ack ${firstUnavailableMs} ms after SIGKILL; readiness 503 after ${notReadyMs} ms; ` +
        `after restart: readiness 200 in ${readyMs} ms, first ok ack in ${firstOkMs} ms, cross-node delivery both ways by ${deliveredMs} ms; ` +
        `${outcomes.filter((o) => o.ack?.ok).length} acknowledged, ${refusedCount} refused (slowest refusal ${slowestRefusalMs} ms)`,
    );
  }, 60_000);

  it('answers unavailable to a send that was in flight when Redis died; its retry is stored once', async () => {
    const room = uniqueRoom('in-flight');
    const alice = await connect(nodeA().url, { token: makeToken({ sub: 'alice' }) });
    await requestOk(alice, 'room:join', { room });
    const operator = new Redis(cluster.redis.url, { maxRetriesPerRequest: 0 });
    // writes wait in Redis unanswered, so the send below is on the wire when the server dies
    await operator.call('CLIENT', 'PAUSE', '10000', 'WRITE');
    operator.disconnect();
    const inFlight = request(alice, 'message:send', { room, content: 'caught mid-air', clientMsgId: 'mid-air' });
    await untilEventsInFlight(nodeA().url, 1);

    await cluster.redis.kill();
    expect(await inFlight).toMatchObject({ ok: false, error: { code: 'unavailable' } });

    await cluster.redis.restart();
    await Promise.all(cluster.nodes.map((node) => untilStatus(`${node.url}/health/ready`, 200)));
    const retried = await requestOk(alice, 'message:send', { room, content: 'caught mid-air', clientMsgId: 'mid-air' });
    const again = await requestOk(alice, 'message:send', { room, content: 'caught mid-air', clientMsgId: 'mid-air' });
    expect(again).toEqual(retried);
    expect((await requestOk(alice, 'message:history', { room })).messages).toEqual([retried]);
  });

  it('may store a send answered unavailable after a command timeout; its retry with the same clientMsgId is stored once', async () => {
    const room = uniqueRoom('timed-out');
    const impatient = await startNode({ REDIS_URL: cluster.redis.url, NODE_ID: 'impatient', REDIS_COMMAND_TIMEOUT_MS: '300' });
    try {
      const alice = await connect(impatient.url, { token: makeToken({ sub: 'alice' }) });
      await requestOk(alice, 'room:join', { room });
      const operator = new Redis(cluster.redis.url, { maxRetriesPerRequest: 0 });
      await operator.call('CLIENT', 'PAUSE', '10000', 'WRITE');
      const send = { room, content: 'slow but delivered', clientMsgId: 'slow-1' };
      expect(await request(alice, 'message:send', send)).toMatchObject({ ok: false, error: { code: 'unavailable' } });
      await operator.call('CLIENT', 'UNPAUSE');
      operator.disconnect();

      // the command had reached Redis, which ran it once unpaused: "unavailable" was "not known to be stored"
      const [storedAnyway] = (await requestOk(alice, 'message:history', { room })).messages;
      expect(storedAnyway).toMatchObject(send);
      expect(await requestOk(alice, 'message:send', send)).toEqual(storedAnyway);
      expect((await requestOk(alice, 'message:history', { room })).messages).toEqual([storedAnyway]);
    } finally {
      await impatient.stop('SIGKILL');
    }
  });

  it('carries cross-node orders again after recovery: a logout on one node ends the session on the other', async () => {
    const token = makeToken({ sub: 'dave' });
    const dave = await connect(nodeA().url, { token });
    await cluster.redis.kill();
    await untilStatus(`${nodeB().url}/health/ready`, 503);
    await cluster.redis.restart();
    await Promise.all(cluster.nodes.map((node) => untilStatus(`${node.url}/health/ready`, 200)));

    const told = nextEvent(dave, 'session');
    const ended = disconnection(dave);
    const logout = await fetch(`${nodeB().url}/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(logout.status).toBe(204);
    expect(await told).toEqual({ reason: 'logout' });
    expect(await ended).toBe('io server disconnect');
  });
});


function firstAnswerAfter(outcomes: SendOutcome[], since: number, matches: (outcome: SendOutcome) => boolean): number {
  return Math.min(...outcomes.filter((o) => o.sentAt >= since && matches(o)).map((o) => o.answeredAt));
}
