import { connect, requestOk } from '../support/clients';
import { untilTrue } from '../support/condition';
import { http } from '../support/http';
import { startNode } from '../support/nodes';
import { useCluster } from '../support/scenario';
import { makeToken } from '../support/tokens';
import { WebhookReceiver } from '../support/webhook-receiver';

const API_KEY = 'k3y-for-the-online-users-end-to-end-tests-012345';
/** Leases are renewed every third of it: one that is not renewed lapses 4 to 6 s after its node died. */
const PRESENCE_TTL_SEC = '6';
const EXTRA_NODE_TIMEOUT_MS = 60_000;

type UserPresence = { userId: string; online: boolean; connections: { nodeId: string }[] };

/**
 * "Is this user online" has one answer in the cluster: the connection leases. The server API's presence and
 * offline delivery (whether a DM is pushed) both go by it, so they agree even while a node that died without
 * closing its connections still holds leases. Two nodes on one Redis, one of them SIGKILLed; webhooks on for
 * `notification.offline`.
 */
describe('one answer to "is this user online"', () => {
  const webhooks = new WebhookReceiver();
  const env: Record<string, string> = { SERVER_API_KEYS: API_KEY, WEBHOOK_SECRET: 's'.repeat(32), WEBHOOK_EVENTS: 'notification.offline', PRESENCE_TTL_SEC };
  beforeAll(async () => {
    env.WEBHOOK_URLS = await webhooks.start();
  });
  const scenario = useCluster(1, env);
  afterAll(() => webhooks.stop());

  const presenceOf = async (userId: string) =>
    (await http<UserPresence>(scenario.nodes[0].url, 'GET', `/server/users/${userId}/presence`, { headers: { 'x-api-key': API_KEY } })).body;
  const noticesFor = (userId: string) => webhooks.accepted().filter((event) => event.type === 'notification.offline' && event.data.userId === userId);

  it(
    'reports a user whose only node died online until the lease lapses, as offline delivery holds back pushes until then',
    async () => {
      const doomed = await startNode({ REDIS_URL: scenario.redis.url, NODE_ID: 'doomed-node', ...env });
      await connect(doomed.url, { token: makeToken({ sub: 'kim' }) });
      expect(await presenceOf('kim')).toEqual({ userId: 'kim', online: true, connections: [expect.objectContaining({ nodeId: 'doomed-node' })] });
      const lee = await connect(scenario.nodes[0].url, { token: makeToken({ sub: 'lee' }) });

      await doomed.stop('SIGKILL');
      // no live node holds a connection of kim's, but the lease still counts: the two answers agree on "online"
      expect(await presenceOf('kim')).toEqual({ userId: 'kim', online: true, connections: [] });
      await requestOk(lee, 'dm:send', { to: 'kim', content: 'while the lease lives' });

      await untilTrue(async () => !(await presenceOf('kim')).online, 'kim offline once the lease lapsed');
      const pushed = await requestOk<{ id: string }>(lee, 'dm:send', { to: 'kim', content: 'after the lease lapsed' });
      await webhooks.until(() => noticesFor('kim').some((event) => event.data.messageId === pushed.id));
      expect(noticesFor('kim').map((event) => event.data.messageId)).toEqual([pushed.id]);
    },
    EXTRA_NODE_TIMEOUT_MS,
  );
});
