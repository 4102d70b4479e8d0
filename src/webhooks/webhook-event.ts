import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { WEBHOOK_EVENT_TYPES } from '../config/app-config';

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** One event as receivers get it; `id` is unique so that a receiver can drop a repeat. */
export interface WebhookEvent {
  id: string;
  type: WebhookEventType;
  /** Epoch milliseconds at which the event happened. */
  at: number;
  data: unknown;
}

/** One POST: a batch of events for one URL. */
export interface WebhookDelivery {
  url: string;
  events: WebhookEvent[];
}

export const SIGNATURE_HEADER = 'X-Webhook-Signature';

/** `sha256=<hex HMAC-SHA256 of the raw body>`: what a receiver recomputes to trust a request. */
export function signWebhookBody(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * Both signatures of one request. `X-Webhook-Signature` covers the body alone, so a recorded request verifies
 * forever; the Standard Webhooks headers also sign an id and the time of sending, so a receiver using any Standard
 * Webhooks library refuses a request older than its tolerance and drops an id it has processed.
 */
export class WebhookSigner {
  private readonly standard: Webhook;

  constructor(private readonly secret: string) {
    // the library takes its key base64-encoded; ours is the secret's UTF-8 bytes, as receivers are told
    this.standard = new Webhook(Buffer.from(secret, 'utf8').toString('base64'));
  }

  /** `id` stays the same across the attempts of one delivery; `sentAt` is this attempt's time. */
  headers(id: string, body: string, sentAt: Date): Record<string, string> {
    return {
      [SIGNATURE_HEADER]: signWebhookBody(body, this.secret),
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
      'webhook-signature': this.standard.sign(id, sentAt, body),
    };
  }
}
