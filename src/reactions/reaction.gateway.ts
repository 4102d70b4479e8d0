import { MessageBody, SubscribeMessage } from '@nestjs/websockets';
import type { Connection } from '../common/connection';
import { ClientConnection } from '../realtime/client-connection.decorator';
import { ClientEvent } from '../common/contract';
import { ChatNamespaceHandlers } from '../realtime/chat-namespace-handlers.decorator';
import { ReactionDto } from './dto/reaction.dto';
import { ReactionService } from './reaction.service';

@ChatNamespaceHandlers()
export class ReactionGateway {
  constructor(private readonly reactions: ReactionService) {}

  @SubscribeMessage(ClientEvent.ReactionAdd)
  add(@ClientConnection() connection: Connection, @MessageBody() body: ReactionDto) {
    return this.reactions.react(connection, body, 'add');
  }

  @SubscribeMessage(ClientEvent.ReactionRemove)
  remove(@ClientConnection() connection: Connection, @MessageBody() body: ReactionDto) {
    return this.reactions.react(connection, body, 'remove');
  }
}
