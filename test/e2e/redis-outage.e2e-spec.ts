import Redis from 'ioredis';
import { collect, connect, connectError, disconnection, nextEvent, request, requestOk, wholeHistory } from '../support/clients';
import { httpStatus, untilEventsInFlight, untilStatus } from '../support/http';
import { startNode } from '../support/nodes';
import { uniqueRoom, useCluster } from '../support/scenario';
import { makeToken } from '../support/tokens';
import { RoomFollower } from '../support/room-follower';
import { SendOutcome, Traffic } from '../support/traffic';

const OUTAGE_MS = 4000;
/** REDIS_COMMAND_TIMEOUT_MS of these nodes: the longest a refusal may take, whatever the outage's length. */
const COMMAND_TIMEOUT_MS = 2000;
/** How late a loaded two-core machine may deliver a timer or an ack on top of a configured wait. */
const SCHEDULING_SLACK_MS = 2000;
/** PRESENCE_TTL_SEC of these nodes; each beats every third of it, and warns for each beat Redis misses. */
const PRESENCE_TTL_SEC = 30;
/** Each of a node's Redis connections warns when it is lost and when it is refused again. */
const WARNINGS_PER_CONNECTION = 2;

/**
 * The Redis connections of node `nodeId`, as Redis lists them (each is named `chat:<node id>:<role>`): however
 * many roles the node has, each connection is counted, not a number written here.
 */
async function redisConnectionsOf(redisUrl: string, nodeId: string): Promise<number> {
  const operator = new Redis(redisUrl);
  try {
    const clients = String(await operator.call('CLIENT', 'LIST'));
    return clients.split('\n').filter((line) => line.includes(` name=chat:${nodeId}:`)).length;
  } finally {
    operator.disconnect();
  }
}

/**
 * The WARN lines one outage may cost a node, from its configuration: each connection's loss and refusal,
 * each missed heartbeat, one broadcast caught mid-publish per sender, and the room feed holding its rooms.
 */
function mostWarningsFor(connections: number, outageMs: number, senders: number): number {
  const missedHeartbeats = Math.ceil(outageMs / ((PRESENCE_TTL_SEC * 1000) / 3));
  return connections * WARNINGS_PER_CONNECTION + missedHeartbeats + senders + 1;
}

describe('Redis outage: SIGKILL in the middle of traffic, then a restart on the same AOF data', () => {
  const cluster = useCluster(2, {
    THROTTLE_WS_LIMIT: '0',
    REDIS_COMMAND_TIMEOUT_MS: String(COMMAND_TIMEOUT_MS),
    PRESENCE_TTL_SEC: String(PRESENCE_TTL_SEC),
  });
  const nodeA = () => cluster.nodes[0];
  const nodeB = () => cluster.nodes[1];

  it('loses nothing acknowledged, answers unavailable quickly, and recovers without restarting nodes or disconnecting clients', async () => {
    const room = uniqueRoom('outage');
    const alice = await connect(nodeA().url, { token: makeToken({ sub: 'alice' }), reconnection: true });
    const bob = await connect(nodeB().url, { token: makeToken({ sub: 'bob' }), reconnection: true });
    const aliceFollows = new RoomFollower(alice, room);
    const bobFollows = new RoomFollower(bob, room);
    await Promise.all([aliceFollows.joined(), bobFollows.joined()]);
    const pids = cluster.nodes.map((node) => node.process.pid);
    const fromAlice = new Traffic(alice, room, 'a', 1, aliceFollows);
    const fromBob = new Traffic(bob, room, 'b', 1, bobFollows);
    const traffic = [fromAlice, fromBob];
    await Promise.all(traffic.map((sender) => sender.until((outcomes) => outcomes.filter((o) => o.ack?.ok).length >= 30)));

    const connections = await Promise.all(['node-1', 'node-2'].map((nodeId) => redisConnectionsOf(cluster.redis.url, nodeId)));
    // the names were found: a node without a listed connection would be held to a bound below what it may log
    for (const count of connections) expect(count).toBeGreaterThan(0);
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
    expect(alice.connected && bob.connected).toBe(true);

    const disconnects = [alice, bob].map((socket) => collect(socket, 'disconnect'));
    const restartedAt = Date.now();
    await cluster.redis.restart();
    const readyMs = Math.max(...(await Promise.all(cluster.nodes.map((node) => untilStatus(`${node.url}/health/ready`, 200)))));
    await Promise.all([aliceFollows.joined(), bobFollows.joined()]);
    const caughtUpMs = Date.now() - restartedAt;
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
    // each node, its subscriber back, filled its rooms' gap from the streams: no client was disconnected
    expect(disconnects).toEqual([[], []]);
    expect(aliceFollows.joins.length + bobFollows.joins.length).toBe(2);

    const outcomes = traffic.flatMap((sender) => sender.outcomes);
    const refusedSends = outcomes.filter((o) => o.ack?.ok === false);
    const unanswered = outcomes.filter((o) => !o.ack);
    // every refusal says unavailable
    expect(new Set(refusedSends.map((o) => o.ack?.ok === false && o.ack.error.code))).toEqual(new Set(['unavailable']));
    // every send was answered: no transport was closed under it
    expect(unanswered).toEqual([]);
    // a sender learns that a send was not stored within the command timeout, never after the length of the outage
    const slowestUnacknowledgedMs = Math.max(...[...refusedSends, ...unanswered].map((o) => o.answeredAt - o.sentAt));
    expect(slowestUnacknowledgedMs).toBeLessThan(COMMAND_TIMEOUT_MS + SCHEDULING_SLACK_MS);

    // retrying every send that was not acknowledged, with its clientMsgId, is safe: each is stored exactly once
    for (const unacknowledged of outcomes.filter((o) => !o.ack?.ok)) {
      const sender = unacknowledged.clientMsgId.startsWith('a-') ? alice : bob;
      await requestOk(sender, 'message:send', { room, content: unacknowledged.clientMsgId, clientMsgId: unacknowledged.clientMsgId });
    }
    const stored = await wholeHistory<{ id: string; clientMsgId?: string; content: string }>(bob, room);
    const storedIds = stored.map((m) => m.clientMsgId).filter((id): id is string => id !== undefined);
    expect(new Set(storedIds).size).toBe(storedIds.length);
    expect(storedIds.sort()).toEqual(outcomes.map((o) => o.clientMsgId).sort());
    for (const acknowledged of outcomes.filter((o) => o.ack?.ok)) {
      expect(stored).toContainEqual(expect.objectContaining({ id: acknowledged.ack!.ok && acknowledged.ack!.data.id, content: acknowledged.clientMsgId }));
    }

    // no gaps: every message acknowledged to one side reached the other, live or with its catch-up
    const seenByBob = new Set(bobFollows.seen.map((m) => m.id));
    const seenByAlice = new Set(aliceFollows.seen.map((m) => m.id));
    expect(fromAlice.acknowledged.filter((o) => o.ack!.ok && !seenByBob.has(o.ack!.data.id))).toEqual([]);
    expect(fromBob.acknowledged.filter((o) => o.ack!.ok && !seenByAlice.has(o.ack!.data.id))).toEqual([]);

    expect(cluster.nodes.map((node) => node.process.pid)).toEqual(pids);
    expect(cluster.nodes.every((node) => node.process.exitCode === null)).toBe(true);
    const warnings = cluster.nodes.map((node) => node.logEntries().filter((entry) => entry.level === 'warn').length);
    for (const [i, node] of cluster.nodes.entries()) {
      expect(node.logs()).not.toMatch(/unhandled rejection|internal error/i);
      // the outage is logged per connection and per heartbeat, never per refused request
      expect(warnings[i]).toBeLessThanOrEqual(mostWarningsFor(connections[i], restartedAt - killedAt, traffic.length));
    }

    console.log(
      `redis outage: first unavailable ack ${firstUnavailableMs} ms after SIGKILL; readiness 503 after ${notReadyMs} ms; ` +
        `after restart: readiness 200 in ${readyMs} ms, first ok ack in ${firstOkMs} ms, clients still joined by ${caughtUpMs} ms, ` +
        `cross-node delivery both ways by ${deliveredMs} ms; ${outcomes.filter((o) => o.ack?.ok).length} acknowledged, ` +
        `${refusedSends.length} refused, ${unanswered.length} unanswered (slowest not acknowledged ${slowestUnacknowledgedMs} ms); ` +
        `warnings per node ${warnings.join(', ')} over ${connections.join(', ')} Redis connections`,
    );
  }, 60_000);

  it('answers unavailable to a send that was in flight when Redis died; its retry is stored once', async () => {
    const room = uniqueRoom('in-flight');
    // a command timeout far beyond the client's ack wait: an answer can only come from the dead connection
    const patient = await startNode({ REDIS_URL: cluster.redis.url, NODE_ID: 'patient', REDIS_COMMAND_TIMEOUT_MS: '60000' });
    try {
      const alice = await connect(patient.url, { token: makeToken({ sub: 'alice' }), reconnection: true });
      const follower = new RoomFollower(alice, room);
      await follower.joined();
      const operator = new Redis(cluster.redis.url, { maxRetriesPerRequest: 0 });
      // writes wait in Redis unanswered, so the send below is on the wire when the server dies
      await operator.call('CLIENT', 'PAUSE', '10000', 'WRITE');
      operator.disconnect();
      const inFlight = request(alice, 'message:send', { room, content: 'caught mid-air', clientMsgId: 'mid-air' });
      await untilEventsInFlight(patient.url, 1);

      await cluster.redis.kill();
      expect(await inFlight).toMatchObject({ ok: false, error: { code: 'unavailable' } });

      await cluster.redis.restart();
      await untilStatus(`${patient.url}/health/ready`, 200);
      await follower.joined();
      const retried = await requestOk(alice, 'message:send', { room, content: 'caught mid-air', clientMsgId: 'mid-air' });
      const again = await requestOk(alice, 'message:send', { room, content: 'caught mid-air', clientMsgId: 'mid-air' });
      expect(again).toEqual(retried);
      expect((await requestOk(alice, 'message:history', { room })).messages).toEqual([retried]);
    } finally {
      await patient.stop('SIGKILL');
    }
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
    await cluster.redis.kill();
    await untilStatus(`${nodeB().url}/health/ready`, 503);
    await cluster.redis.restart();
    await Promise.all(cluster.nodes.map((node) => untilStatus(`${node.url}/health/ready`, 200)));
    const token = makeToken({ sub: 'dave' });
    const dave = await connect(nodeA().url, { token });

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
