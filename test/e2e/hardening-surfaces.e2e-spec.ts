import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { http } from '../support/http';
import { killAllNodes, startNode, timeoutForNodeStarts } from '../support/nodes';
import { startRedis, TestRedis } from '../support/redis-server';

const TWO_NODE_TIMEOUT_MS = timeoutForNodeStarts(2);
const METRICS_WARNING = /METRICS_TOKEN is not set/;

describe('surfaces for people, round two: the demo token, the AsyncAPI document, an open /metrics', () => {
  let redis: TestRedis;
  let dataDir: string;

  beforeAll(async () => {
    redis = await startRedis();
    dataDir = mkdtempSync(join(tmpdir(), 'chat-surfaces-'));
  });

  afterEach(() => killAllNodes());

  afterAll(async () => {
    await redis?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("answers POST /demo/token only from the node's own page origin", async () => {
    const node = await startNode({ REDIS_URL: redis.url, NODE_ENV: 'development', JWT_SECRET: undefined, DATA_DIR: dataDir });
    const { host, port } = new URL(node.url);
    const signIn = (headers: Record<string, string>) => http(node.url, 'POST', '/demo/token', { body: { name: 'Mallory', admin: true }, headers });
    /** fetch sets Host itself; a browser on a rebound or local name sends that name. */
    const signInAs = (hostHeader: string, origin: string) => postWithHost(node.url, '/demo/token', hostHeader, origin, { name: 'Mallory', admin: true });

    const foreign = await signIn({ origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
    expect(foreign.body).toMatchObject({ statusCode: 403, code: 'forbidden' });
    expect(JSON.stringify(foreign.body)).not.toMatch(/eyJ/);
    expect((await signIn({})).status).toBe(403);
    expect((await signIn({ origin: 'null' })).status).toBe(403);
    expect((await signIn({ origin: `http://${host}.evil.example` })).status).toBe(403);
    expect((await signIn({ origin: `https://${host}` })).status).toBe(403);
    // a page of another site whose name was pointed at the node (DNS rebinding) is same-origin by Host, and still refused
    expect(await signInAs(`rebind.example:${port}`, `http://rebind.example:${port}`)).toBe(403);

    const own = await signIn({ origin: `http://${host}` });
    expect(own.status).toBe(201);
    expect(own.body).toEqual({ token: expect.stringMatching(/^eyJ/), userId: 'mallory' });
    expect(await signInAs(`localhost:${port}`, `http://localhost:${port}`)).toBe(201);
  });

  it(
    'removes /docs/asyncapi.json with API_DOCS=false, and warns at start-up about a production /metrics without METRICS_TOKEN',
    async () => {
      const [open, closed] = await Promise.all([
        startNode({ NODE_ID: 'open-metrics', REDIS_URL: redis.url, NODE_ENV: 'production', API_DOCS: 'false' }),
        startNode({ NODE_ID: 'closed-metrics', REDIS_URL: redis.url, NODE_ENV: 'production', METRICS_TOKEN: 'scraper-token-0123456789' }),
      ]);
      for (const path of ['/docs/asyncapi.json', '/docs', '/docs-json']) expect((await fetch(`${open.url}${path}`)).status).toBe(404);
      expect((await fetch(`${closed.url}/docs/asyncapi.json`)).status).toBe(200);

      // both printed their start-up lines before they answered readiness
      const warnings = open.logEntries().filter((entry) => METRICS_WARNING.test(entry.msg));
      expect(warnings).toEqual([expect.objectContaining({ level: 'warn', msg: expect.stringContaining('/metrics') })]);
      expect(closed.logEntries().filter((entry) => METRICS_WARNING.test(entry.msg))).toEqual([]);
      expect((await fetch(`${open.url}/metrics`)).status).toBe(200);
    },
    TWO_NODE_TIMEOUT_MS,
  );
});

/** A POST with a Host header of the caller's choosing; resolves with the status. */
function postWithHost(baseUrl: string, path: string, hostHeader: string, origin: string, body: unknown): Promise<number> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const outgoing = request(
      `${baseUrl}${path}`,
      { method: 'POST', headers: { host: hostHeader, origin, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode!));
      },
    );
    outgoing.on('error', reject);
    outgoing.end(payload);
  });
}
