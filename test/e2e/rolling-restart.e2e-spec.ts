import { connect, wholeHistory } from '../support/clients';
import { Condition } from '../support/condition';
import { startFailoverProxy } from '../support/failover-proxy';
import { startNode, timeoutForNodeStarts } from '../support/nodes';
import { RoomFollower } from '../support/room-follower';
import { uniqueRoom, useCluster } from '../support/scenario';
import { makeToken } from '../support/tokens';
import { Traffic } from '../support/traffic';

const DRAIN_SPREAD_MS = 2000;
const NODE_ENV = { THROTTLE_WS_LIMIT: '0', DRAIN_SPREAD_MS: String(DRAIN_SPREAD_MS) };
/** Members behind the load balancer (they start on the node that is restarted) and members on the other node. */
const MOVING_MEMBERS = 10;
const STAYING_MEMBERS = 4;
const SENDS_IN_FLIGHT = 2;
const ACKS_BEFORE_SIGTERM = 20;

/**
 * A rolling restart under traffic: two nodes, senders and members on both; one node is told to stop (SIGTERM)
 * and a replacement starts. Clients of the stopped node reconnect through the load balancer to the remaining
 * node and rejoin with `since`; nothing acknowledged is lost: every acknowledged message is in history and
 * reached every member, live or in a catch-up.
 */
describe('rolling restart under traffic', () => {
  const cluster = useCluster(2, NODE_ENV);

  it(
    'loses no acknowledged message while one of two nodes drains and a replacement starts; reconnections follow the drain spread',
    async () => {
      const [leaving, staying] = cluster.nodes;
      const room = uniqueRoom('rolling');
      // new connections go to the first node that accepts: the leaving one, until it stops listening
      const balancer = await startFailoverProxy([leaving.url, staying.url]);
      try {
        const arrivals = new Condition(() => `${members.map((m) => m.follower.seen.length).join(', ')} of ${acknowledged().length}`);
        const member = async (url: string, sub: string, reconnection: boolean) => {
          const socket = await connect(url, { token: makeToken({ sub }), reconnection });
          const follower = new RoomFollower(socket, room);
          await follower.joins[0];
          socket.on('message', () => arrivals.changed());
          return { sub, socket, follower };
        };
        const members = [
          ...(await Promise.all(Array.from({ length: MOVING_MEMBERS }, (_, i) => member(balancer.url, `moving-${i}`, true)))),
          ...(await Promise.all(Array.from({ length: STAYING_MEMBERS }, (_, i) => member(staying.url, `staying-${i}`, false)))),
        ];
        const sender = async (url: string, sub: string, reconnection: boolean) => {
          const { socket, follower } = await member(url, sub, reconnection);
          return new Traffic(socket, room, sub, SENDS_IN_FLIGHT, follower);
        };
        const traffic = [await sender(balancer.url, 'sender-moving', true), await sender(staying.url, 'sender-staying', false)];
        const acknowledged = () => traffic.flatMap((t) => t.acknowledged).map((o) => (o.ack!.ok ? (o.ack!.data.id as string) : ''));
        await Promise.all(traffic.map((t) => t.until((outcomes) => outcomes.filter((o) => o.ack?.ok).length >= ACKS_BEFORE_SIGTERM)));

        const moving = members.filter((m) => m.sub.startsWith('moving-')).map((m) => m.socket);
        const signalledAt = Date.now();
        const reconnectedAt = moving.map((socket) => new Promise<number>((resolve) => socket.io.once('reconnect', () => resolve(Date.now() - signalledAt))));
        expect(await leaving.stop('SIGTERM')).toBe(0);
        const replacement = await startNode({ REDIS_URL: cluster.redis.url, NODE_ID: 'replacement', ...NODE_ENV });
        traffic.push(await sender(replacement.url, 'sender-replacement', false));
        const reconnects = (await Promise.all(reconnectedAt)).sort((a, b) => a - b);
        await Promise.all(traffic.map((t) => t.until((outcomes) => outcomes.filter((o) => o.ack?.ok).length >= 2 * ACKS_BEFORE_SIGTERM)));
        const outcomes = (await Promise.all(traffic.map((t) => t.stop()))).flat();

        // every acknowledged message is stored, and reached every member (live, or in a rejoin's catch-up)
        const acked = acknowledged();
        const reader = await connect(staying.url, { token: makeToken({ sub: 'auditor' }) });
        const stored = new Set((await wholeHistory<{ id: string }>(reader, room)).map((m) => m.id));
        expect(acked.filter((id) => !stored.has(id))).toEqual([]);
        const missing = () =>
          members
            .map((m) => ({ member: m.sub, missing: acked.filter((id) => !m.follower.seen.some((seen) => seen.id === id)) }))
            .filter((m) => m.missing.length > 0);
        await arrivals.until(() => missing().length === 0, 15_000).catch(() => undefined);
        expect(missing()).toEqual([]);

        const refused = outcomes.filter((o) => o.ack?.ok === false);
        for (const o of refused) expect(o.ack).toMatchObject({ ok: false, error: { code: 'unavailable' } });
        console.log(
          `rolling restart: ${acked.length} acknowledged (${refused.length} refused unavailable while draining, ${outcomes.filter((o) => !o.ack).length} unanswered), ` +
            `all in history and at all ${members.length} members; ${MOVING_MEMBERS} members reconnected ${reconnects[0]} to ${reconnects[reconnects.length - 1]} ms after SIGTERM`,
        );
        // the drain spread the moving members' reconnections rather than sending them over at once
        expect(reconnects[reconnects.length - 1] - reconnects[0]).toBeGreaterThanOrEqual(DRAIN_SPREAD_MS / 2);
      } finally {
        await balancer.close();
      }
    },
    timeoutForNodeStarts(1) + 60_000,
  );
});
