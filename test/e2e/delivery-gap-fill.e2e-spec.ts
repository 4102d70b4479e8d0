import { collect, connect, requestOk } from '../support/clients';
import { Condition } from '../support/condition';
import { FailoverProxy, startFailoverProxy } from '../support/failover-proxy';
import { untilStatus } from '../support/http';
import { startDeadlineMs, startNode, stopAll, TestNode } from '../support/nodes';
import { connectPlain } from '../support/plain-websocket';
import { REDIS_START_TIMEOUT_MS, startRedis, TestRedis } from '../support/redis-server';
import { RoomFollower } from '../support/room-follower';
import { makeToken } from '../support/tokens';

const CATCHUP_MAX = 5;

/**
 * A node that loses Redis altogether (behind a proxy that drops its connections and holds its reconnects) while
 * another node keeps storing: once back, it fills each room's gap from the stream, unless the room missed more
 * than CATCHUP_MAX, whose connections alone it closes.
 */
describe('gap fill after a subscription outage, bounded by CATCHUP_MAX', () => {
  let redis: TestRedis;
  let proxy: FailoverProxy;
  let nodes: TestNode[];

  beforeAll(async () => {
    redis = await startRedis();
    proxy = await startFailoverProxy([redis.url]);
    nodes = await Promise.all([
      startNode({ NODE_ID: 'direct', REDIS_URL: redis.url, THROTTLE_WS_LIMIT: '0' }),
      startNode({ NODE_ID: 'behind-proxy', REDIS_URL: proxy.url.replace(/^http/, 'redis'), THROTTLE_WS_LIMIT: '0', CATCHUP_MAX: String(CATCHUP_MAX) }),
    ]);
    // the two start at once: one start's deadline
  }, REDIS_START_TIMEOUT_MS + startDeadlineMs());
  afterAll(async () => {
    await stopAll(nodes ?? []);
    await proxy?.close();
    await redis?.stop();
  });

  it('delivers in order what a room missed, closes only the connections of a room that missed more than CATCHUP_MAX', async () => {
    const [direct, behindProxy] = nodes;
    const seen = new Condition(() => 'events so far');
    const user = async (url: string, sub: string, reconnection = false) => {
      const socket = await connect(url, { token: makeToken({ sub }), reconnection });
      socket.onAny(() => seen.changed());
      socket.on('disconnect', () => seen.changed());
      return socket;
    };
    const sender = await user(direct.url, 'sender');
    await requestOk(sender, 'room:join', { room: 'quiet' });
    await requestOk(sender, 'room:join', { room: 'busy' });
    // on the node that will lose Redis: a member of the quiet room only, and members of the busy room on both transports
    const quietMember = await user(behindProxy.url, 'quiet-member');
    await requestOk(quietMember, 'room:join', { room: 'quiet' });
    const toQuiet = collect<{ id: string; room: string }>(quietMember, 'message');
    const quietDisconnects = collect(quietMember, 'disconnect');
    const busyMember = await user(behindProxy.url, 'busy-member', true);
    const busyFollows = new RoomFollower(busyMember, 'busy');
    await busyFollows.joined();
    const busyDisconnects = collect<string>(busyMember, 'disconnect');
    const busyPlain = await connectPlain(behindProxy.url, { token: makeToken({ sub: 'busy-plain' }) });
    await busyPlain.requestOk('room:join', { room: 'busy' });
    const send = (room: string, content: string) => requestOk<{ id: string }>(sender, 'message:send', { room, content });
    const beforeQuiet = await send('quiet', 'before');
    await seen.until(() => toQuiet.length === 1);

    proxy.cut();
    await untilStatus(`${behindProxy.url}/health/ready`, 503);
    const missedQuiet: { id: string }[] = [];
    for (let i = 0; i < CATCHUP_MAX; i++) missedQuiet.push(await send('quiet', `while away ${i}`));
    const missedBusy: { id: string }[] = [];
    for (let i = 0; i < CATCHUP_MAX + 3; i++) missedBusy.push(await send('busy', `while away ${i}`));
    proxy.release();
    await untilStatus(`${behindProxy.url}/health/ready`, 200);

    // the quiet room missed CATCHUP_MAX: filled, in order, before anything newer, without a disconnect
    const after = await send('quiet', 'after');
    await seen.until(() => toQuiet.some((message) => message.id === after.id));
    expect(toQuiet.map((message) => message.id)).toEqual([beforeQuiet, ...missedQuiet, after].map((message) => message.id));
    expect(quietDisconnects).toEqual([]);
    expect(quietMember.connected).toBe(true);

    // the busy room missed more: its connections were closed, and the client that rejoins with since has all
    expect(await busyPlain.closed).toMatchObject({ code: expect.any(Number) });
    await seen.until(() => busyDisconnects.length > 0);
    expect(busyDisconnects).toEqual(['transport close']);
    await busyFollows.joined();
    expect(busyFollows.seen.map((message) => message.id)).toEqual(expect.arrayContaining(missedBusy.map((message) => message.id)));
    expect(behindProxy.logs()).toMatch(/room busy: more than CATCHUP_MAX \(5\) messages missed; 2 connections told to reconnect and catch up/);
  }, 60_000);
});
