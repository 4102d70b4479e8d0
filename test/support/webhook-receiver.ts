import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Condition } from './condition';
import { answer, readBody, Reply } from './http-receiver';

export interface ReceivedEvent {
  id: string;
  type: string;
  at: number;
  data: any;
}

export interface ReceivedRequest {
  rawBody: string;
  signature: string | undefined;
  /** Every header as received, names in lower case (the Standard Webhooks headers among them). */
  headers: IncomingHttpHeaders;
  events: ReceivedEvent[];
  /** The status this receiver answered, or undefined while it holds the request open. */
  answered?: number;
}

/**
 * A real HTTP webhook receiver. `reply` decides per request; `until` resolves once the accepted (2xx) events
 * satisfy a condition, so that tests await deliveries instead of sleeping.
 */
export class WebhookReceiver {
  readonly requests: ReceivedRequest[] = [];
  reply: (request: ReceivedRequest) => Reply = () => 200;
  private server?: Server;
  private readonly held = new Set<ServerResponse>();
  private readonly arrivals = new Condition(() =>
    JSON.stringify(this.requests.map((request) => [request.answered, request.events.map((event) => event.data?.target?.userId ?? event.type)])),
  );

  async start(): Promise<string> {
    this.server = createServer((request, response) => void this.handle(request, response).catch(() => response.destroy()));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/hooks/chat`;
  }

  async stop(): Promise<void> {
    for (const response of this.held) response.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Events of every request answered 2xx, repeats included. */
  accepted(): ReceivedEvent[] {
    return this.requests.filter((request) => request.answered !== undefined && request.answered < 300).flatMap((request) => request.events);
  }

  until<T>(condition: () => T | undefined | false, timeoutMs?: number): Promise<T> {
    return this.arrivals.until(condition, timeoutMs);
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const rawBody = (await readBody(request)).toString('utf8');
    const signature = request.headers['x-webhook-signature'] as string | undefined;
    const received: ReceivedRequest = { rawBody, signature, headers: request.headers, events: JSON.parse(rawBody).events };
    this.requests.push(received);
    received.answered = answer(response, this.reply(received));
    if (received.answered === undefined) {
      this.held.add(response);
      response.on('close', () => this.held.delete(response));
    }
    this.arrivals.changed();
  }
}

/** What a receiver does to trust a request: recompute the HMAC of the raw body, compare in constant time. */
export function isSignatureValid(rawBody: string, header: string | undefined, secret: string): boolean {
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`);
  const given = Buffer.from(header ?? '');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
