import { Injectable } from '@nestjs/common';
import type { Connection } from '../common/connection';
import { ClientEvent } from '../common/contract';
import { OnClientEvent } from '../realtime/on-client-event.decorator';
import { ChatService } from './chat.service';
import { DirectMessageDto } from './dto/direct-message.dto';
import { JoinRoomDto } from './dto/join-room.dto';
import { EditMessageDto, MessageRefDto } from '../rooms/dto/message-ref.dto';
import { RoomDto } from '../rooms/dto/room.dto';
import { SendMessageDto } from './dto/send-message.dto';
import { MembershipService } from './membership.service';
import { MessageRemovalService } from './message-removal.service';

@Injectable()
export class ChatGateway {
  constructor(
    private readonly membership: MembershipService,
    private readonly chat: ChatService,
    private readonly removal: MessageRemovalService,
  ) {}

  @OnClientEvent(ClientEvent.RoomJoin, { isAdmission: true })
  join(connection: Connection, body: JoinRoomDto) {
    return this.membership.join(connection, body);
  }

  @OnClientEvent(ClientEvent.RoomLeave)
  leave(connection: Connection, body: RoomDto) {
    return this.membership.leave(connection, body.room);
  }

  @OnClientEvent(ClientEvent.MessageSend)
  send(connection: Connection, body: SendMessageDto) {
    return this.chat.send(connection, body);
  }

  @OnClientEvent(ClientEvent.DmSend)
  sendDirect(connection: Connection, body: DirectMessageDto) {
    return this.chat.sendDirect(connection, body);
  }

  @OnClientEvent(ClientEvent.MessageEdit)
  edit(connection: Connection, body: EditMessageDto) {
    return this.chat.edit(connection, body);
  }

  @OnClientEvent(ClientEvent.MessageDelete)
  delete(connection: Connection, body: MessageRefDto) {
    return this.removal.deleteFromConnection(connection, body);
  }
}
