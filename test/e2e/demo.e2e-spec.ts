import Redis from 'ioredis';
import { createECDH, randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { generateVAPIDKeys } from 'web-push';
import { http } from '../support/http';
import { startNode, stopAll, timeoutForNodeStarts, type TestNode } from '../support/nodes';
import { onFreePort } from '../support/ports';
import { startRedis, type TestRedis } from '../support/redis-server';
import { uniqueRoom } from '../support/scenario';
import { makeToken, TEST_JWT_SECRET } from '../support/tokens';

const ARTIFACTS = join(__dirname, '..', '..', 'test-artifacts');
/** Set to refresh the README's screenshot from this run. */
const README_SCREENSHOT = join(__dirname, '..', '..', 'docs', 'demo.png');
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const UI_TIMEOUT_MS = 10_000;
/**
 * A bound on one browser wait of the Web Push test that no wait reaches unless it hangs: a hang then fails naming
 * its step instead of the whole test timing out (the test timed out now and then on a loaded machine, unexplained).
 */
const BROWSER_STEP_BOUND_MS = 45_000;

function step<T>(what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: still waiting after ${BROWSER_STEP_BOUND_MS} ms`)), BROWSER_STEP_BOUND_MS);
  });
  return Promise.race([work, hung]).finally(() => clearTimeout(timer));
}

/** What a test here does in the browser besides starting a node; the hook starts two at once, and chromium. */
const BROWSER_WORK_MS = 70_000;

jest.setTimeout(timeoutForNodeStarts(1, BROWSER_WORK_MS));

/** Everything the page reports as broken: script errors and refused loads (a CSP violation is a console error). */
function watchForProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => message.type() === 'error' && problems.push(`console: ${message.text()}`));
  page.on('response', (response) => response.status() >= 400 && problems.push(`${response.status()} ${response.url()}`));
  return problems;
}

async function signInByName(page: Page, nodeUrl: string, name: string, asAdmin = false): Promise<void> {
  await page.goto(`${nodeUrl}/demo`);
  await page.getByTestId('name').fill(name);
  if (asAdmin) await page.getByRole('checkbox', { name: 'admin' }).check();
  await page.getByTestId('signin').click();
  await page.getByTestId('room').waitFor({ state: 'visible' });
}

async function joinRoom(page: Page, room: string): Promise<void> {
  await page.getByTestId('room').fill(room);
  await page.getByTestId('join').click();
  const joined = page.getByRole('heading', { name: `Room ${room}` });
  const refused = page.getByRole('alert').filter({ hasText: /./ });
  await joined.or(refused).waitFor();
  expect((await refused.count()) ? await refused.textContent() : 'joined').toBe('joined');
}

/** The message whose text is exactly `text`, inside the messages list. */
const messageText = (page: Page, text: string) => page.getByTestId('messages').locator('.text').getByText(text, { exact: true });

describe('demo page in a real browser (Debian chromium)', () => {
  let redis: TestRedis;
  let nodes: TestNode[] = [];
  let browser: Browser;
  let dataDir: string;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    redis = await startRedis();
    // development nodes without a configured key: they share the generated secret through one data directory
    dataDir = mkdtempSync(join(tmpdir(), 'chat-demo-'));
    const developmentNode = (id: string) => startNode({ NODE_ID: id, REDIS_URL: redis.url, NODE_ENV: 'development', JWT_SECRET: undefined, DATA_DIR: dataDir });
    nodes = await Promise.all([developmentNode('demo-1'), developmentNode('demo-2')]);
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    await stopAll(nodes);
    await redis?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('two users on two nodes chat both ways; HTML in a message shows as literal text', async () => {
    const room = uniqueRoom('demo');
    const [aliceContext, bobContext] = await Promise.all([browser.newContext(), browser.newContext()]);
    try {
      const [alice, bob] = await Promise.all([aliceContext.newPage(), bobContext.newPage()]);
      const problems = [watchForProblems(alice), watchForProblems(bob)];
      alice.setDefaultTimeout(UI_TIMEOUT_MS);
      bob.setDefaultTimeout(UI_TIMEOUT_MS);
      await signInByName(alice, nodes[0].url, 'Alice', true);
      await signInByName(bob, nodes[1].url, 'Bob');
      await joinRoom(alice, room);
      await joinRoom(bob, room);
      await bob.getByRole('list', { name: 'Online here' }).getByText('Alice (alice)').waitFor();

      const markup = 'hello from alice <b>html</b> <img src=x onerror=alert(1)>';
      await alice.getByTestId('composer').fill(markup);
      await alice.getByTestId('send').click();
      await messageText(bob, markup).waitFor();
      expect(await bob.getByTestId('messages').locator('b, img').count()).toBe(0);

      // Bob answers with the keyboard only: Enter in the composer sends
      await bob.getByTestId('composer').fill('hi Alice, from the other node');
      await bob.getByTestId('composer').press('Enter');
      await messageText(alice, 'hi Alice, from the other node').waitFor();
      await messageText(bob, 'hi Alice, from the other node').waitFor();
      expect(await alice.getByTestId('messages').locator('.text').allTextContents()).toEqual([markup, 'hi Alice, from the other node']);

      // Alice signed in as an admin: her panel lists the room through the admin REST API
      await alice.getByRole('button', { name: 'List rooms' }).click();
      await alice.getByRole('table', { name: 'Rooms' }).getByRole('cell', { name: room, exact: true }).waitFor();
      expect(await bob.getByRole('heading', { name: 'Admin' }).isVisible()).toBe(false);

      await alice.screenshot({ path: join(ARTIFACTS, 'demo-alice.png') });
      await bob.screenshot({ path: join(ARTIFACTS, 'demo-bob.png') });
      if (process.env.UPDATE_DEMO_SCREENSHOT === '1') copyFileSync(join(ARTIFACTS, 'demo-alice.png'), README_SCREENSHOT);
      expect(problems.flat()).toEqual([]);
    } finally {
      await Promise.all([aliceContext.close(), bobContext.close()]);
    }
  });

  it('serves the page with a CSP that forbids inline script, and development tokens only from development nodes', async () => {
    const response = await fetch(`${nodes[0].url}/demo`);
    expect(response.headers.get('content-security-policy')).toMatch(/script-src 'self'(;|$)/);
    expect(await response.text()).not.toMatch(/<script(?![^>]*\bsrc=)/);
    // as the page sends it: the route answers only the node's own origin (hardening-surfaces.e2e-spec.ts)
    const fromPage = { origin: nodes[0].url };
    const signed = await http(nodes[0].url, 'POST', '/demo/token', { body: { name: 'Carol' }, headers: fromPage });
    expect(signed.status).toBe(201);
    expect((await http(nodes[1].url, 'GET', '/demo/settings.json')).body).toEqual({ signIn: 'name', vapidPublicKey: null });
    for (const name of ['<script>', '   ', ''])
      expect((await http(nodes[0].url, 'POST', '/demo/token', { body: { name }, headers: fromPage })).status).toBe(400);
  });

  it('in production asks for a token instead, and has no token route', async () => {
    // production closes CORS: the page's own origin must be listed for its Socket.IO connection to be accepted
    const production = await onFreePort((port) =>
      startNode({
        NODE_ID: 'demo-prod',
        REDIS_URL: redis.url,
        NODE_ENV: 'production',
        JWT_SECRET: TEST_JWT_SECRET,
        PORT: String(port),
        CORS_ORIGINS: `http://127.0.0.1:${port}`,
      }),
    );
    nodes.push(production);
    expect((await http(production.url, 'POST', '/demo/token', { body: { name: 'Mallory' } })).status).toBe(404);
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const problems = watchForProblems(page);
      page.setDefaultTimeout(UI_TIMEOUT_MS);
      await page.goto(`${production.url}/demo`);
      expect(await page.getByTestId('name').isVisible()).toBe(false);
      await page.getByTestId('token').fill(makeToken({ sub: 'dana', name: 'Dana' }));
      await page.getByTestId('signin').click();
      const room = uniqueRoom('prod');
      await joinRoom(page, room);
      await page.getByTestId('composer').fill('signed in with a token');
      await page.getByTestId('send').click();
      await messageText(page, 'signed in with a token').waitFor();
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("registers its service worker on the page's own scope, subscribes with the node's VAPID key once notifications are allowed, and shows a push", async () => {
    const vapid = generateVAPIDKeys();
    const pushNode = await startNode({
      NODE_ID: 'demo-push',
      REDIS_URL: redis.url,
      NODE_ENV: 'development',
      JWT_SECRET: undefined,
      DATA_DIR: dataDir,
      VAPID_PUBLIC_KEY: vapid.publicKey,
      VAPID_PRIVATE_KEY: vapid.privateKey,
      VAPID_SUBJECT: 'mailto:ops@example.com',
      PUSH_ALLOWED_HOSTS: 'push.example.test',
    });
    nodes.push(pushNode);
    const worker = await fetch(`${pushNode.url}/demo/sw.js`);
    expect(worker.status).toBe(200);
    expect(worker.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(worker.headers.get('service-worker-allowed')).toBe('/demo');
    expect((await http(pushNode.url, 'GET', '/demo/settings.json')).body).toEqual({ signIn: 'name', vapidPublicKey: vapid.publicKey });

    // Chromium's own push service is Google's (FCM), out of reach here, so the browser's subscribe is replaced by
    // one that returns a subscription as PushManager shapes it, on an allowed host, and records the key it was given
    const endpoint = `https://push.example.test/send/${randomBytes(8).toString('hex')}`;
    const keys = { p256dh: createECDH('prime256v1').generateKeys().toString('base64url'), auth: randomBytes(16).toString('base64url') };
    const context = await browser.newContext();
    const store = new Redis(redis.url);
    try {
      await context.grantPermissions(['notifications'], { origin: pushNode.url });
      await context.addInitScript(`
        window.subscribeCalls = [];
        PushManager.prototype.subscribe = async function (options) {
          window.subscribeCalls.push(btoa(String.fromCharCode(...new Uint8Array(options.applicationServerKey))));
          const endpoint = ${JSON.stringify(endpoint)};
          return { endpoint, toJSON: () => ({ endpoint, expirationTime: null, keys: ${JSON.stringify(keys)} }) };
        };
      `);
      const page = await context.newPage();
      const problems = watchForProblems(page);
      page.setDefaultTimeout(UI_TIMEOUT_MS);
      await signInByName(page, pushNode.url, 'Paula');

      const registration = await step(
        'service worker ready, activated and controlling the page',
        page.evaluate<{ scope: string; state?: string; controlled: boolean }>(`(async () => {
        const ready = await navigator.serviceWorker.ready;
        const worker = ready.active;
        if (worker.state !== 'activated') await new Promise((resolve) => worker.addEventListener('statechange', () => worker.state === 'activated' && resolve()));
        const controlled = navigator.serviceWorker.controller !== null
          || (await new Promise((resolve) => navigator.serviceWorker.addEventListener('controllerchange', () => resolve(true))));
        return { scope: ready.scope, state: worker.state, controlled };
      })()`),
      );
      expect(registration).toEqual({ scope: `${pushNode.url}/demo`, state: 'activated', controlled: true });

      await page.getByText('Notifications on').waitFor();
      const applicationServerKeys = await page.evaluate<string[]>('window.subscribeCalls');
      expect(applicationServerKeys.map((key) => Buffer.from(key, 'base64').toString('base64url'))).toEqual([vapid.publicKey]);
      const stored = await store.hgetall('push:{user:paula}:subscriptions');
      expect(Object.keys(stored)).toEqual([endpoint]);
      expect(JSON.parse(stored[endpoint])).toMatchObject({ endpoint, keys });

      // a push as the node sends it, handed to the service worker by the browser's DevTools protocol
      const cdp = await context.newCDPSession(page);
      const registrationId = new Promise<string>((resolve) =>
        cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
          const ours = registrations.find((entry) => entry.scopeURL === `${pushNode.url}/demo` && !entry.isDeleted);
          if (ours) resolve(ours.registrationId);
        }),
      );
      await cdp.send('ServiceWorker.enable');
      const push = { type: 'message', room: 'dm:paula:quinn', messageId: '1-0', from: 'quinn', preview: '<b>lunch?</b>' };
      await cdp.send('ServiceWorker.deliverPushMessage', {
        origin: pushNode.url,
        registrationId: await step('the DevTools protocol reporting the registration', registrationId),
        data: JSON.stringify(push),
      });
      const shown = await step(
        'the notification shown',
        page.evaluate<{ title: string; body: string; tag: string; data: unknown }[]>(`(async () => {
        const ready = await navigator.serviceWorker.ready;
        for (;;) {
          const notifications = await ready.getNotifications();
          if (notifications.length > 0) return notifications.map(({ title, body, tag, data }) => ({ title, body, tag, data }));
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      })()`),
      );
      expect(shown).toEqual([{ title: 'quinn', body: '<b>lunch?</b>', tag: 'dm:paula:quinn:1-0', data: { room: 'dm:paula:quinn' } }]);
      expect(problems).toEqual([]);
    } finally {
      store.disconnect();
      await context.close();
    }
  });
});
