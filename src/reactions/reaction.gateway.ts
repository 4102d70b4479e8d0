import { Injectable } from '@nestjs/common';
import type { Connection } from '../common/connection';
import { ClientEvent } from '../common/contract';
import { OnClientEvent } from '../realtime/on-client-event.decorator';
import { ReactionDto } from './dto/reaction.dto';
import { ReactionService } from './reaction.service';

@Injectable()
export class ReactionGateway {
  constructor(private readonly reactions: ReactionService) {}

  @OnClientEvent(ClientEvent.ReactionAdd)
  add(connection: Connection, body: ReactionDto) {
    return this.reactions.react(connection, body, 'add');
  }

  @OnClientEvent(ClientEvent.ReactionRemove)
  remove(connection: Connection, body: ReactionDto) {
    return this.reactions.react(connection, body, 'remove');
  }
}
