import { Injectable } from '@nestjs/common';
import type { Connection } from '../common/connection';
import { ClientEvent } from '../common/contract';
import { PushSubscribeDto, PushUnsubscribeDto } from '../push/dto/push-subscription.dto';
import { PushService } from '../push/push.service';
import { OnClientEvent } from '../realtime/on-client-event.decorator';
import { InboxListDto } from './dto/inbox-list.dto';
import { InboxService } from './inbox.service';

@Injectable()
export class OfflineGateway {
  constructor(
    private readonly inbox: InboxService,
    private readonly push: PushService,
  ) {}

  @OnClientEvent(ClientEvent.InboxList)
  list(connection: Connection, _request: InboxListDto) {
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
