import { Injectable } from '@nestjs/common';
import type { Connection } from '../common/connection';
import { ClientEvent } from '../common/contract';
import { ContractError } from '../common/contract-error';
import { PushSubscribeDto, PushUnsubscribeDto } from '../push/dto/push-subscription.dto';
import { PushService } from '../push/push.service';
import { OnClientEvent } from '../realtime/on-client-event.decorator';
import { InboxService } from './inbox.service';

@Injectable()
export class OfflineGateway {
  constructor(
    private readonly inbox: InboxService,
    private readonly push: PushService,
  ) {}

  @OnClientEvent(ClientEvent.InboxList)
  list(connection: Connection, request: unknown) {
    assertNoFields(request);
    return this.inbox.list(connection.user.id);
  }

  @OnClientEvent(ClientEvent.PushSubscribe)
  async subscribe(connection: Connection, { subscription }: PushSubscribeDto) {
    await this.push.subscribe(connection.user.id, subscription);
    return {};
  }

  @OnClientEvent(ClientEvent.PushUnsubscribe)
  async unsubscribe(connection: Connection, { endpoint }: PushUnsubscribeDto) {
    await this.push.unsubscribe(connection.user.id, endpoint);
    return {};
  }
}

/** `inbox:list {}` takes no fields: anything but an empty object (or nothing) is refused like any other junk. */
function assertNoFields(request: unknown): void {
  const isEmptyObject = typeof request === 'object' && request !== null && !Array.isArray(request) && Object.keys(request).length === 0
    && Object.getPrototypeOf(request) === Object.prototype;
  if (request !== undefined && !isEmptyObject) {
    throw new ContractError('validation_failed', 'inbox:list takes an empty object', { fields: { payload: ['must be {}'] } });
  }
}
