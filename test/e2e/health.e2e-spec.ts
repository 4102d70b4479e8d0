import { useCluster } from '../support/scenario';

describe('health probes', () => {
  const cluster = useCluster(1);
  const get = (path: string) => fetch(`${cluster.nodes[0].url}${path}`);

  it('reports live and ready while Redis answers PING', async () => {
    expect((await get('/health/live')).status).toBe(200);
    for (const path of ['/health/ready', '/health']) {
      const response = await get(path);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ status: 'ok', details: { redis: { status: 'up' } } });
    }
  });

  it('serves Prometheus metrics', async () => {
    const response = await get('/metrics');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(text).toContain('chat_connections');
    expect(text).toContain('process_cpu_user_seconds_total');
  });

  it('turns not ready (503) when Redis stops, while staying live', async () => {
    await cluster.redis.kill();
    const response = await get('/health/ready');
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ status: 'error', error: { redis: { status: 'down' } } });
    expect((await get('/health')).status).toBe(503);
    expect((await get('/health/live')).status).toBe(200);
  });
});
