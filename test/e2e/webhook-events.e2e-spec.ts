import Redis from 'ioredis';
import type { Socket } from 'socket.io-client';
import { closeAllClients, connect, requestOk } from '../support/clients';
import { untilQueueDrained } from '../support/condition';
import { http } from '../support/http';
import { killAllNodes, startNode, TestNode, timeoutForNodeStarts } from '../support/nodes';
import { REDIS_START_TIMEOUT_MS, startRedis, TestRedis } from '../support/redis-server';
import { uniqueRoom } from '../support/scenario';
import { makeToken } from '../support/tokens';
import { ReceivedEvent, WebhookReceiver } from '../support/webhook-receiver';

const SERVICE_TOKEN = makeToken({ sub: 'ops-service', roles: ['service'] });
const ADMIN_TOKEN = makeToken({ sub: 'root', roles: ['admin'] });
const PRESENCE_TTL_SEC = 3;
/** What a test here that starts no node may wait for: webhook deliveries and the queue draining. */
const CLUSTER_TIMEOUT_MS = 60_000;
/** The work of the test that starts (and SIGKILLs) a fourth node, whose reap waits for the presence TTL. */
const REAP_WORK_MS = 40_000;

/**
 * Every webhook event type, produced on a three-node cluster, arrives exactly once: each is decided by one
 * script on one node (the append, the edit, the delete, the presence count), never by every node that sees it.
 */
describe('webhook events: each fact goes out exactly once from a three-node cluster', () => {
  let redis: TestRedis;
  let redisClient: Redis;
  let nodes: TestNode[];
  let env: Record<string, string>;
  const receiver = new WebhookReceiver();

  beforeAll(
    async () => {
      redis = await startRedis();
      redisClient = new Redis(redis.url);
      env = {
        REDIS_URL: redis.url,
        WEBHOOK_URLS: await receiver.start(),
        WEBHOOK_SECRET: 'webhook-secret-for-the-event-tests',
        WEBHOOK_RETRY_BASE_MS: '100',
        PRESENCE_TTL_SEC: String(PRESENCE_TTL_SEC),
      };
      // one after the other: three start-ups at once on a busy machine can outlast a node's start timeout
      nodes = [];
      for (const nodeId of ['node-1', 'node-2', 'node-3']) nodes.push(await startNode({ ...env, NODE_ID: nodeId }));
    },
    REDIS_START_TIMEOUT_MS + timeoutForNodeStarts(3),
  );

  afterAll(async () => {
    closeAllClients();
    await killAllNodes();
    redisClient?.disconnect();
    await receiver.stop();
    await redis?.stop();
  });

  const user = (index: number, userId: string): Promise<Socket> => connect(nodes[index].url, { token: makeToken({ sub: userId }) });
  const ofRoom = (room: string) => receiver.accepted().filter((event) => event.data?.room === room || event.data?.target?.room === room);
  const summary = (events: ReceivedEvent[]) => events.map(({ type, data }) => `${type} ${data?.userId ?? data?.messageId ?? data?.action ?? ''}`.trim());

  /** Waits for `count` events of the room, then for the pipeline to drain, so that a repeat would have arrived too. */
  async function eventsOf(room: string, count: number): Promise<ReceivedEvent[]> {
    await receiver.until(() => ofRoom(room).length >= count);
    await untilQueueDrained(redisClient, 'webhooks', () => redisClient.xlen('{webhooks}:events'));
    const events = ofRoom(room);
    expect(new Set(events.map((event) => event.id)).size).toBe(events.length);
    return events;
  }

  it(
    'message.created from a socket send and from the server API, message.edited and message.deleted, once each',
    async () => {
      const room = uniqueRoom('msg');
      const author = await user(0, 'author');
      await requestOk(author, 'room:join', { room });
      const sent = await requestOk(author, 'message:send', { room, content: 'from a socket' });
      const published = await http(nodes[1].url, 'POST', `/server/rooms/${room}/messages`, {
        token: SERVICE_TOKEN,
        body: { content: 'from a service', clientMsgId: 'svc-1' },
      });
      await http(nodes[2].url, 'POST', `/server/rooms/${room}/messages`, { token: SERVICE_TOKEN, body: { content: 'from a service', clientMsgId: 'svc-1' } });
      const edited = await requestOk(author, 'message:edit', { room, messageId: sent.id, content: 'edited' });
      await requestOk(author, 'message:delete', { room, messageId: sent.id });
      expect((await http(nodes[2].url, 'DELETE', `/admin/rooms/${room}/messages/${published.body.id}`, { token: ADMIN_TOKEN })).status).toBe(204);

      // 5 message events, the author's member.joined and room.occupied, the admin delete's moderation.action
      const events = (await eventsOf(room, 8)).filter((event) => event.type.startsWith('message.'));
      expect(events).toHaveLength(5);
      expect(events.map(({ type, data }) => ({ type, data }))).toEqual(
        expect.arrayContaining([
          { type: 'message.created', data: sent },
          { type: 'message.created', data: published.body },
          { type: 'message.edited', data: edited },
          { type: 'message.deleted', data: { room, messageId: sent.id, by: 'author' } },
          { type: 'message.deleted', data: { room, messageId: published.body.id, by: 'root' } },
        ]),
      );
    },
    CLUSTER_TIMEOUT_MS,
  );

  it(
    'member.joined, member.left, room.occupied and room.vacated once each, whichever nodes hold the connections',
    async () => {
      const room = uniqueRoom('members');
      const aliceTabs = [await user(0, 'alice'), await user(1, 'alice')];
      const bob = await user(2, 'bob');
      for (const socket of [...aliceTabs, bob]) await requestOk(socket, 'room:join', { room });
      await requestOk(aliceTabs[0], 'room:leave', { room });
      await requestOk(bob, 'room:leave', { room });
      await requestOk(aliceTabs[1], 'room:leave', { room });

      const events = await eventsOf(room, 6);
      expect(events.map(({ type, data }) => ({ type, data }))).toEqual(
        expect.arrayContaining([
          { type: 'room.occupied', data: { room } },
          { type: 'member.joined', data: { room, userId: 'alice' } },
          { type: 'member.joined', data: { room, userId: 'bob' } },
          { type: 'member.left', data: { room, userId: 'bob' } },
          { type: 'member.left', data: { room, userId: 'alice' } },
          { type: 'room.vacated', data: { room } },
        ]),
      );
      expect(events).toHaveLength(6);
    },
    CLUSTER_TIMEOUT_MS,
  );

  it(
    'member.left and room.vacated once when the node holding the last member is SIGKILLed and the survivors reap it',
    async () => {
      const room = uniqueRoom('reaped');
      const doomed = await startNode({ ...env, NODE_ID: 'doomed' });
      const carol = await connect(doomed.url, { token: makeToken({ sub: 'carol' }) });
      await requestOk(carol, 'room:join', { room });
      await receiver.until(() => ofRoom(room).length === 2);
      await doomed.stop('SIGKILL');

      const events = await eventsOf(room, 4);
      expect(summary(events).sort()).toEqual(['member.joined carol', 'member.left carol', 'room.occupied', 'room.vacated']);
    },
    timeoutForNodeStarts(1, REAP_WORK_MS),
  );

  it(
    'moderation.action once for an admin action',
    async () => {
      const room = uniqueRoom('moderated');
      const dave = await user(1, 'dave');
      await requestOk(dave, 'room:join', { room });
      expect((await http(nodes[0].url, 'POST', `/admin/rooms/${room}/mute`, { token: ADMIN_TOKEN, body: { userId: 'dave', durationSec: 60 } })).status).toBe(
        204,
      );

      const actions = (await eventsOf(room, 3)).filter((event) => event.type === 'moderation.action');
      expect(actions).toHaveLength(1);
      expect(actions[0].data).toMatchObject({ actor: 'root', action: 'user.mute', target: { room, userId: 'dave' } });
    },
    CLUSTER_TIMEOUT_MS,
  );
});
