import { ConnectedSocket, MessageBody, OnGatewayInit, SubscribeMessage } from '@nestjs/websockets';
import type { Namespace } from 'socket.io';
import type { ChatSocket } from '../realtime/chat-socket';
import { ClientEvent } from '../common/contract';
import { ChatNamespaceGateway } from '../common/contract-gateway.decorator';
import { TypingDto } from './dto/typing.dto';
import { TypingService } from './typing.service';

@ChatNamespaceGateway()
export class TypingGateway implements OnGatewayInit {
  constructor(private readonly typing: TypingService) {}

  afterInit(namespace: Namespace): void {
    this.typing.watch(namespace);
  }

  @SubscribeMessage(ClientEvent.Typing)
  update(@ConnectedSocket() socket: ChatSocket, @MessageBody() { room, isTyping }: TypingDto) {
    return this.typing.update(socket, room, isTyping);
  }
}
