import { ConnectedSocket, MessageBody, SubscribeMessage } from '@nestjs/websockets';
import type { ChatSocket } from '../realtime/chat-socket';
import { ClientEvent } from '../common/contract';
import { ChatNamespaceGateway } from '../common/contract-gateway.decorator';
import { ReactionDto } from './dto/reaction.dto';
import { ReactionService } from './reaction.service';

@ChatNamespaceGateway()
export class ReactionGateway {
  constructor(private readonly reactions: ReactionService) {}

  @SubscribeMessage(ClientEvent.ReactionAdd)
  add(@ConnectedSocket() socket: ChatSocket, @MessageBody() body: ReactionDto) {
    return this.reactions.react(socket, body, 'add');
  }

  @SubscribeMessage(ClientEvent.ReactionRemove)
  remove(@ConnectedSocket() socket: ChatSocket, @MessageBody() body: ReactionDto) {
    return this.reactions.react(socket, body, 'remove');
  }
}
