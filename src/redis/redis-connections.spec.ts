import type { Cluster, Redis } from 'ioredis';
import { loadConfig, RedisConnection } from '../config/app-config';
import type { MetricsService } from '../metrics/metrics.service';
import { createRedisConnection, RedisConnectionClient } from './redis-connections';
import { fake } from '../testing/fakes';

const metrics = fake<MetricsService>({
  redisErrors: fake<MetricsService['redisErrors']>({ labels: () => fake<ReturnType<MetricsService['redisErrors']['labels']>>({ inc: () => undefined }) }),
});
const tls = { ca: 'the CA', cert: 'the certificate', key: 'the key' };

describe('createRedisConnection: TLS and the ACL user reach every kind of connection', () => {
  const opened: RedisConnectionClient[] = [];
  afterEach(async () => {
    const clients = opened.splice(0);
    const ended = clients.map((client) => (client.status === 'end' ? undefined : new Promise((resolve) => client.once('end', resolve))));
    for (const client of clients) client.disconnect();
    await Promise.all(ended);
  });
  const open = (redis: RedisConnection) => {
    // port 1 on loopback: nothing answers, and nothing here waits for it
    const client = createRedisConnection({ ...loadConfig({ NODE_ID: 'n1' }, () => 'secret'), redis }, 'commands', metrics);
    client.on('error', () => undefined);
    opened.push(client);
    return client;
  };

  it('standalone: the configured CA and client certificate, the user beside the URL', () => {
    const client = open({ mode: 'standalone', url: 'rediss://127.0.0.1:1', tls, username: 'chat', password: 'pw' }) as Redis;
    expect(client.options).toMatchObject({ tls, username: 'chat', password: 'pw', connectionName: 'chat:n1:commands' });
  });

  it('standalone rediss:// without files: TLS with the system roots', () => {
    const client = open({ mode: 'standalone', url: 'rediss://127.0.0.1:1', tls: {} }) as Redis;
    expect(client.options.tls).toEqual({});
  });

  it('sentinel: the master and the sentinels both over TLS, the user for the master', () => {
    const client = open({ mode: 'sentinel', sentinels: [{ host: '127.0.0.1', port: 1 }], masterName: 'main', tls, username: 'chat', password: 'pw' }) as Redis;
    expect(client.options).toMatchObject({ tls, sentinelTLS: tls, enableTLSForSentinelMode: true, username: 'chat', password: 'pw', name: 'main' });
  });

  it('cluster: every shard connection (sharded subscribers included) takes TLS and the user from redisOptions', () => {
    const client = open({ mode: 'cluster', nodes: [{ host: '127.0.0.1', port: 1 }], tls, username: 'chat', password: 'pw' }) as Cluster;
    expect(client.options.redisOptions).toMatchObject({ tls, username: 'chat', password: 'pw' });
  });
});
