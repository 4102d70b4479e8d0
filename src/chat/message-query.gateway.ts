import { Injectable } from '@nestjs/common';
import type { Connection } from '../common/connection';
import { ClientEvent } from '../common/contract';
import { OnClientEvent } from '../realtime/on-client-event.decorator';
import { HistoryQueryDto } from './dto/history.dto';
import { RepliesQueryDto } from './dto/replies.dto';
import { SearchQueryDto } from './dto/search.dto';
import { MessageQueryService } from './message-query.service';

@Injectable()
export class MessageQueryGateway {
  constructor(private readonly queries: MessageQueryService) {}

  @OnClientEvent(ClientEvent.MessageHistory)
  history(connection: Connection, body: HistoryQueryDto) {
    return this.queries.history(connection, body);
  }

  @OnClientEvent(ClientEvent.MessageReplies)
  replies(connection: Connection, body: RepliesQueryDto) {
    return this.queries.replies(connection, body);
  }

  @OnClientEvent(ClientEvent.MessageSearch)
  search(connection: Connection, body: SearchQueryDto) {
    return this.queries.find(connection, body);
  }
}
