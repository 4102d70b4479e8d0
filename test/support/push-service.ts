import { execFileSync } from 'node:child_process';
import { createECDH, createPublicKey, ECDH, randomBytes, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Condition } from './condition';
import { answer, readBody, Reply } from './http-receiver';
const ece = require('http_ece') as { decrypt(buffer: Buffer, params: Record<string, unknown>): Buffer };

/** A browser's side of a subscription: the keys a real PushManager would keep to decrypt what it receives. */
export interface TestSubscriber {
  subscription: { endpoint: string; keys: { p256dh: string; auth: string } };
  ecdh: ECDH;
  auth: Buffer;
}

export interface ReceivedPush {
  path: string;
  /** The decrypted payload, parsed; undefined when decryption failed. */
  payload?: any;
  /** Why the request is not a valid Web Push, or undefined when it is. */
  problem?: string;
  ttl?: string;
  answered?: number;
}

/**
 * A real HTTPS push service (self-signed certificate made with openssl; nodes trust it through
 * NODE_EXTRA_CA_CERTS) that checks what a browser vendor's service checks: the RFC 8292 VAPID JWT (ES256 over
 * `vapid t=...,k=...`), then decrypts the RFC 8291 aes128gcm payload with the subscriber's private keys.
 */
export class TestPushService {
  readonly received: ReceivedPush[] = [];
  reply: (path: string) => Reply = () => 201;
  certFile = '';
  origin = '';
  private dir = '';
  private server?: Server;
  private readonly subscribers = new Map<string, TestSubscriber>();
  private readonly arrivals = new Condition(() => JSON.stringify(this.received));

  constructor(private readonly vapid: { publicKey: string; subject: string }) {}

  async start(): Promise<void> {
    this.dir = mkdtempSync(join(tmpdir(), 'chat-test-push-'));
    const keyFile = join(this.dir, 'key.pem');
    this.certFile = join(this.dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        keyFile,
        '-out',
        this.certFile,
      ],
      { stdio: 'pipe' },
    );
    this.server = createServer(
      { key: readFileSync(keyFile), cert: readFileSync(this.certFile) },
      (request, response) => void this.handle(request, response).catch(() => response.destroy()),
    );
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.origin = `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  get host(): string {
    return new URL(this.origin).host;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** A new subscription on this service, as a browser would create it. */
  subscriber(name: string): TestSubscriber {
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    const auth = randomBytes(16);
    const subscriber = {
      subscription: { endpoint: `${this.origin}/push/${name}`, keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: auth.toString('base64url') } },
      ecdh,
      auth,
    };
    this.subscribers.set(`/push/${name}`, subscriber);
    return subscriber;
  }

  pushesTo(name: string): ReceivedPush[] {
    return this.received.filter((push) => push.path === `/push/${name}`);
  }

  until<T>(condition: () => T | undefined | false, timeoutMs?: number): Promise<T> {
    return this.arrivals.until(condition, timeoutMs);
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readBody(request);
    const path = request.url ?? '';
    const push: ReceivedPush = { path, ttl: request.headers.ttl as string | undefined };
    try {
      this.verifyVapid(request.headers.authorization);
      if (request.headers['content-encoding'] !== 'aes128gcm') throw new Error(`content-encoding ${request.headers['content-encoding']}`);
      const subscriber = this.subscribers.get(path);
      if (!subscriber) throw new Error(`no subscription at ${path}`);
      const plain = ece.decrypt(body, { version: 'aes128gcm', privateKey: subscriber.ecdh, authSecret: subscriber.auth.toString('base64url') });
      push.payload = JSON.parse(plain.toString('utf8'));
    } catch (error) {
      push.problem = (error as Error).message;
    }
    this.received.push(push);
    push.answered = answer(response, push.problem ? 400 : this.reply(path));
    this.arrivals.changed();
  }

  /** RFC 8292: `vapid t=<JWT>, k=<public key>`; the JWT is ES256-signed, for this origin, not expired. */
  private verifyVapid(header: string | undefined): void {
    const match = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(header ?? '');
    if (!match) throw new Error(`authorization header ${header}`);
    const [, jwt, k] = match;
    if (k !== this.vapid.publicKey) throw new Error('k is not the server VAPID public key');
    const point = Buffer.from(k, 'base64url');
    const key = createPublicKey({
      key: { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33, 65).toString('base64url') },
      format: 'jwk',
    });
    const [head, body, signature] = jwt.split('.');
    if (JSON.parse(Buffer.from(head, 'base64url').toString()).alg !== 'ES256') throw new Error('alg is not ES256');
    const signed = verify('sha256', Buffer.from(`${head}.${body}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'));
    if (!signed) throw new Error('VAPID JWT signature does not verify');
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString());
    if (claims.aud !== this.origin) throw new Error(`aud ${claims.aud}`);
    if (claims.sub !== this.vapid.subject) throw new Error(`sub ${claims.sub}`);
    if (!(claims.exp > Date.now() / 1000)) throw new Error('expired');
  }
}
