import type { Socket } from 'socket.io-client';
import { connect, requestOk, wholeHistory } from '../support/clients';
import { http } from '../support/http';
import { closeAllPlainClients, connectPlain } from '../support/plain-websocket';
import { useCluster } from '../support/scenario';
import { makeToken } from '../support/tokens';
import { WebhookReceiver } from '../support/webhook-receiver';

const API_KEY = 'k3y-for-the-dm-rules-end-to-end-tests-0123456789';

type InboxRoom = { room: string; unreadCount: number; lastMessage: { id: string; content: string; userId: string } | null };

/**
 * The rules of a DM room follow the room, not the door: whether a message enters `dm:a:b` through `dm:send`,
 * `message:send`, `/ws` or the server API, the room becomes one of both users' rooms, the offline user is
 * notified, and no one but `a` or `b` may author it. Two nodes on one Redis, webhooks on for `notification.offline`.
 */
describe('DM rules follow the room, whichever door', () => {
  const webhooks = new WebhookReceiver();
  const env: Record<string, string> = { SERVER_API_KEYS: API_KEY, WEBHOOK_SECRET: 's'.repeat(32), WEBHOOK_EVENTS: 'notification.offline' };
  beforeAll(async () => {
    env.WEBHOOK_URLS = await webhooks.start();
  });
  const cluster = useCluster(2, env);
  afterAll(() => webhooks.stop());
  afterEach(() => closeAllPlainClients());
  const nodeA = () => cluster.nodes[0].url;
  const nodeB = () => cluster.nodes[1].url;

  const user = (url: string, sub: string) => connect(url, { token: makeToken({ sub }) });
  const inbox = async (socket: Socket) => (await requestOk<{ rooms: InboxRoom[] }>(socket, 'inbox:list', {})).rooms;
  const asService = (path: string, body: unknown) => http(nodeA(), 'POST', path, { headers: { 'x-api-key': API_KEY }, body });

  /** A user known to the cluster (connected once), now offline everywhere. */
  async function knownThenOffline(userId: string): Promise<void> {
    const socket = await user(nodeB(), userId);
    socket.close();
    // the lease's release announces itself to no one outside the node: poll the server API
    const presence = () => http<{ online: boolean }>(nodeA(), 'GET', `/server/users/${userId}/presence`, { headers: { 'x-api-key': API_KEY } });
    const deadline = Date.now() + 10_000;
    while ((await presence()).body.online) {
      if (Date.now() > deadline) throw new Error(`${userId} still online 10 s after closing`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  const offlineNotice = (userId: string, messageId: string) =>
    webhooks.until(() =>
      webhooks.accepted().find((event) => event.type === 'notification.offline' && event.data.userId === userId && event.data.messageId === messageId),
    );

  it("puts a message:send into a DM room into the offline peer's inbox and notifies the peer, as dm:send does", async () => {
    await knownThenOffline('dmr-bob');
    const alice = await user(nodeA(), 'dmr-alice');
    await requestOk(alice, 'room:join', { room: 'dm:dmr-alice:dmr-bob' });
    const sent = await requestOk<{ id: string }>(alice, 'message:send', { room: 'dm:dmr-alice:dmr-bob', content: 'through the room door' });

    expect((await offlineNotice('dmr-bob', sent.id)).data).toEqual({
      userId: 'dmr-bob',
      room: 'dm:dmr-alice:dmr-bob',
      messageId: sent.id,
      from: 'dmr-alice',
      preview: 'through the room door',
    });
    const bob = await user(nodeB(), 'dmr-bob');
    expect(await inbox(bob)).toEqual([
      expect.objectContaining({ room: 'dm:dmr-alice:dmr-bob', unreadCount: 1, lastMessage: expect.objectContaining({ id: sent.id }) }),
    ]);
  });

  it("puts a /ws message:send into a DM room into the offline peer's inbox", async () => {
    await knownThenOffline('dmr-dave');
    const carol = await connectPlain(nodeB(), { token: makeToken({ sub: 'dmr-carol' }) });
    await carol.requestOk('room:join', { room: 'dm:dmr-carol:dmr-dave' });
    const sent = await carol.requestOk<{ id: string }>('message:send', { room: 'dm:dmr-carol:dmr-dave', content: 'over /ws' });

    await offlineNotice('dmr-dave', sent.id);
    const dave = await user(nodeA(), 'dmr-dave');
    expect(await inbox(dave)).toEqual([expect.objectContaining({ room: 'dm:dmr-carol:dmr-dave', unreadCount: 1 })]);
  });

  it("stores a server API message authored by one of the pair in the other's inbox, and refuses any other author with 403", async () => {
    await knownThenOffline('dmr-frank');
    const room = 'dm:dmr-erin:dmr-frank';
    const stored = await asService(`/server/rooms/${room}/messages`, { userId: 'dmr-erin', content: 'from the CRM, as erin' });
    expect(stored.status).toBe(201);
    await offlineNotice('dmr-frank', stored.body.id);

    const outsider = await asService(`/server/rooms/${room}/messages`, { userId: 'dmr-mallory', content: 'not one of them' });
    expect(outsider).toMatchObject({ status: 403, body: { code: 'forbidden' } });
    const system = await asService(`/server/rooms/${room}/messages`, { content: 'the default author, system' });
    expect(system).toMatchObject({ status: 403, body: { code: 'forbidden' } });
    const broadcast = await asService('/server/broadcast', { rooms: [room], userId: 'dmr-mallory', content: 'through the broadcast' });
    expect(broadcast).toMatchObject({ status: 403, body: { code: 'forbidden' } });

    const frank = await user(nodeB(), 'dmr-frank');
    expect(await inbox(frank)).toEqual([
      expect.objectContaining({ room, unreadCount: 1, lastMessage: expect.objectContaining({ id: stored.body.id, userId: 'dmr-erin' }) }),
    ]);
    expect((await wholeHistory<{ id: string }>(frank, room)).map((message) => message.id)).toEqual([stored.body.id]);
  });
});
