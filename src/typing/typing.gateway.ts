import { MessageBody, SubscribeMessage } from '@nestjs/websockets';
import type { Connection } from '../common/connection';
import { ClientConnection } from '../realtime/client-connection.decorator';
import { ClientEvent } from '../common/contract';
import { ChatNamespaceHandlers } from '../realtime/chat-namespace-handlers.decorator';
import { TypingDto } from './dto/typing.dto';
import { TypingService } from './typing.service';

@ChatNamespaceHandlers()
export class TypingGateway {
  constructor(private readonly typing: TypingService) {}

  @SubscribeMessage(ClientEvent.Typing)
  update(@ClientConnection() connection: Connection, @MessageBody() { room, isTyping }: TypingDto) {
    return this.typing.update(connection, room, isTyping);
  }
}
