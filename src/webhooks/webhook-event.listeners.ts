import { Injectable } from '@nestjs/common';
import type { AppEventMap } from '../events/app-events';
import { OnAppEvent } from '../events/on-app-event.decorator';
import { WebhookPublisher } from './webhook.publisher';

/** The domain events that go out as webhook events of the same name, with the same payload. */
const FORWARDED = ['message.created', 'message.edited', 'message.deleted', 'member.joined', 'member.left', 'room.occupied', 'room.vacated'] as const;
type ForwardedEvent = (typeof FORWARDED)[number];

/**
 * Each forwarded event is emitted by the one node whose script decided it, so each goes out once whatever the
 * number of nodes; with webhooks off, `publish` returns before touching Redis.
 */
@Injectable()
export class WebhookEventListeners {
  constructor(private readonly webhooks: WebhookPublisher) {}

  @OnAppEvent(...FORWARDED)
  forward<E extends ForwardedEvent>(payload: AppEventMap[E], event: E): void {
    void this.webhooks.publish(event, payload);
  }
}
