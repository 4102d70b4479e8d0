import { connect, nextEvent, requestOk } from '../support/clients';
import { makeCertificates, TestCertificates } from '../support/certificates';
import { http } from '../support/http';
import { startCluster, startNode, TestNode, timeoutForNodeStarts } from '../support/nodes';
import { startRedis, TestRedis } from '../support/redis-server';
import { uniqueRoom } from '../support/scenario';
import { makeToken } from '../support/tokens';
import { WebhookReceiver } from '../support/webhook-receiver';

const WEBHOOK_SECRET = 'webhook-secret-for-the-redis-tls-tests';

/**
 * A TLS-only redis-server (`port 0`: nothing listens in clear text) with a throwaway private CA made by `openssl`
 * for this file, asking every client for a certificate of that CA (mutual TLS). Whatever connection of a node did
 * not use TLS with the CA and the client certificate would get nowhere: commands, admission, publisher,
 * subscriber, and BullMQ's connections, which the webhook delivery proves.
 */
describe('Redis over TLS with a private CA (rediss://, mutual TLS)', () => {
  let certificates: TestCertificates;
  let redis: TestRedis;
  const receiver = new WebhookReceiver();

  beforeAll(async () => {
    certificates = makeCertificates();
    redis = await startRedis({
      tls: { certFile: certificates.serverCertFile, keyFile: certificates.serverKeyFile, caFile: certificates.caFile, requireClientCertificate: true },
    });
  });

  afterAll(async () => {
    await receiver.stop();
    await redis?.stop();
    certificates?.remove();
  });

  it(
    'two nodes given the CA and a client certificate carry a message from one to the other, and deliver a webhook',
    async () => {
      expect(redis.url).toMatch(/^rediss:\/\//);
      const nodes = await startCluster(2, {
        REDIS_URL: redis.url,
        REDIS_TLS_CA_FILE: certificates.caFile,
        REDIS_TLS_CERT_FILE: certificates.clientCertFile,
        REDIS_TLS_KEY_FILE: certificates.clientKeyFile,
        WEBHOOK_URLS: await receiver.start(),
        WEBHOOK_SECRET,
      });
      try {
        const room = uniqueRoom('tls');
        const alice = await connect(nodes[0].url, { token: makeToken({ sub: 'alice' }) });
        const bob = await connect(nodes[1].url, { token: makeToken({ sub: 'bob' }) });
        await requestOk(alice, 'room:join', { room });
        await requestOk(bob, 'room:join', { room });
        const bobHears = nextEvent<{ id: string; content: string }>(bob, 'message', (message) => message.content === 'over TLS');
        const sent = await requestOk(alice, 'message:send', { room, content: 'over TLS' });
        expect((await bobHears).id).toBe(sent.id);
        const history = await requestOk(bob, 'message:history', { room });
        expect(history.messages.map((message: { content: string }) => message.content)).toEqual(['over TLS']);

        const revoked = await http(nodes[1].url, 'POST', '/admin/users/mallory/revoke-tokens', { token: makeToken({ sub: 'root', roles: ['admin'] }) });
        expect(revoked.status).toBeLessThan(300);
        await receiver.until(() => receiver.accepted().some((event) => event.type === 'moderation.action' && event.data?.target?.userId === 'mallory'));
      } finally {
        await Promise.all(nodes.map((node) => node.stop('SIGKILL')));
      }
    },
    timeoutForNodeStarts(2),
  );

  /** The chosen behaviour: a certificate that does not verify is a configuration error, not an outage to wait out. */
  const refusal = async (env: Record<string, string>): Promise<string> => {
    return startNode({ REDIS_URL: redis.url, REDIS_TLS_CERT_FILE: certificates.clientCertFile, REDIS_TLS_KEY_FILE: certificates.clientKeyFile, ...env }).then(
      (node: TestNode) => {
        void node.stop('SIGKILL');
        return 'started';
      },
      (error: Error) => error.message,
    );
  };

  it('a node that trusts another CA refuses to start, naming REDIS_TLS_CA_FILE', async () => {
    const outcome = await refusal({ REDIS_TLS_CA_FILE: certificates.otherCaFile });
    expect(outcome).toMatch(/^node exited \(1\) before listening/);
    expect(outcome).toMatch(/cannot connect to Redis: self[- ]signed certificate in certificate chain/);
    expect(outcome).toContain('REDIS_TLS_CA_FILE must hold the CA that signed it');
  });

  it('a node given no CA (the system roots only) refuses to start the same way', async () => {
    const outcome = await refusal({});
    expect(outcome).toMatch(/^node exited \(1\) before listening/);
    expect(outcome).toMatch(/cannot connect to Redis: .*certificate/);
    expect(outcome).toContain('REDIS_TLS_CA_FILE must hold the CA that signed it');
  });

  it('a CA file that does not exist stops start-up with a message naming the variable', async () => {
    const outcome = await refusal({ REDIS_TLS_CA_FILE: `${certificates.dir}/missing.crt` });
    expect(outcome).toMatch(/^node exited \(1\) before listening/);
    expect(outcome).toContain(`Invalid configuration: REDIS_TLS_CA_FILE cannot be read (${certificates.dir}/missing.crt): ENOENT`);
  });
});
