import { MessageBody, SubscribeMessage } from '@nestjs/websockets';
import type { Connection } from '../common/connection';
import { ClientConnection } from '../realtime/client-connection.decorator';
import { ClientEvent } from '../common/contract';
import { ChatNamespaceHandlers } from '../realtime/chat-namespace-handlers.decorator';
import { ChatService } from './chat.service';
import { DirectMessageDto } from './dto/direct-message.dto';
import { HistoryQueryDto } from './dto/history.dto';
import { JoinRoomDto } from './dto/join-room.dto';
import { EditMessageDto, MessageRefDto } from '../rooms/dto/message-ref.dto';
import { RoomDto } from '../rooms/dto/room.dto';
import { SendMessageDto } from './dto/send-message.dto';

@ChatNamespaceHandlers()
export class ChatGateway {
  constructor(private readonly chat: ChatService) {}

  @SubscribeMessage(ClientEvent.RoomJoin)
  join(@ClientConnection() connection: Connection, @MessageBody() body: JoinRoomDto) {
    return this.chat.join(connection, body);
  }

  @SubscribeMessage(ClientEvent.RoomLeave)
  leave(@ClientConnection() connection: Connection, @MessageBody() body: RoomDto) {
    return this.chat.leave(connection, body.room);
  }

  @SubscribeMessage(ClientEvent.MessageSend)
  send(@ClientConnection() connection: Connection, @MessageBody() body: SendMessageDto) {
    return this.chat.send(connection, body);
  }

  @SubscribeMessage(ClientEvent.DmSend)
  sendDirect(@ClientConnection() connection: Connection, @MessageBody() body: DirectMessageDto) {
    return this.chat.sendDirect(connection, body);
  }

  @SubscribeMessage(ClientEvent.MessageEdit)
  edit(@ClientConnection() connection: Connection, @MessageBody() body: EditMessageDto) {
    return this.chat.edit(connection, body);
  }

  @SubscribeMessage(ClientEvent.MessageDelete)
  delete(@ClientConnection() connection: Connection, @MessageBody() body: MessageRefDto) {
    return this.chat.deleteFromConnection(connection, body);
  }

  @SubscribeMessage(ClientEvent.MessageHistory)
  history(@ClientConnection() connection: Connection, @MessageBody() body: HistoryQueryDto) {
    return this.chat.history(connection, body);
  }
}
