import { Injectable } from '@nestjs/common';
import type { Connection } from '../common/connection';
import { ClientEvent } from '../common/contract';
import { OnClientEvent } from '../realtime/on-client-event.decorator';
import { TypingDto } from './dto/typing.dto';
import { TypingService } from './typing.service';

@Injectable()
export class TypingGateway {
  constructor(private readonly typing: TypingService) {}

  @OnClientEvent(ClientEvent.Typing)
  update(connection: Connection, { room, isTyping }: TypingDto) {
    return this.typing.update(connection, room, isTyping);
  }
}
