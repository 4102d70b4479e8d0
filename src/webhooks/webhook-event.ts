import { createHmac } from 'node:crypto';
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
