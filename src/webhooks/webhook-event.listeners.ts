import { Injectable } from '@nestjs/common';
import type { AppEventMap } from '../events/app-events';
import { OnAppEvent } from '../events/on-app-event.decorator';
import { WebhookPublisher } from './webhook.publisher';

/**
 * The domain events that go out as webhook events of the same name. Each is emitted by the one node whose
 * script decided it, so each goes out once whatever the number of nodes; with webhooks off, `publish` returns
 * before touching Redis.
 */
@Injectable()
export class WebhookEventListeners {
  constructor(private readonly webhooks: WebhookPublisher) {}

  @OnAppEvent('message.created')
  messageCreated(message: AppEventMap['message.created']): void {
    this.webhooks.publish('message.created', message);
  }

  @OnAppEvent('message.edited')
  messageEdited(message: AppEventMap['message.edited']): void {
    this.webhooks.publish('message.edited', message);
  }

  @OnAppEvent('message.deleted')
  messageDeleted(deletion: AppEventMap['message.deleted']): void {
    this.webhooks.publish('message.deleted', deletion);
  }

  @OnAppEvent('member.joined')
  memberJoined(membership: AppEventMap['member.joined']): void {
    this.webhooks.publish('member.joined', membership);
  }

  @OnAppEvent('member.left')
  memberLeft(membership: AppEventMap['member.left']): void {
    this.webhooks.publish('member.left', membership);
  }

  @OnAppEvent('room.occupied')
  roomOccupied(room: AppEventMap['room.occupied']): void {
    this.webhooks.publish('room.occupied', room);
  }

  @OnAppEvent('room.vacated')
  roomVacated(room: AppEventMap['room.vacated']): void {
    this.webhooks.publish('room.vacated', room);
  }
}
