import { ConnectedSocket, MessageBody, SubscribeMessage } from '@nestjs/websockets';
import type { ChatSocket } from '../realtime/chat-socket';
import { ClientEvent } from '../common/contract';
import { ChatNamespaceGateway } from '../common/contract-gateway.decorator';
import { ChatService } from './chat.service';
import { DirectMessageDto } from './dto/direct-message.dto';
import { HistoryQueryDto } from './dto/history.dto';
import { JoinRoomDto } from './dto/join-room.dto';
import { EditMessageDto, MessageRefDto } from './dto/message-ref.dto';
import { RoomDto } from './dto/room.dto';
import { SendMessageDto } from './dto/send-message.dto';

@ChatNamespaceGateway()
export class ChatGateway {
  constructor(private readonly chat: ChatService) {}

  @SubscribeMessage(ClientEvent.RoomJoin)
  join(@ConnectedSocket() socket: ChatSocket, @MessageBody() body: JoinRoomDto) {
    return this.chat.join(socket, body);
  }

  @SubscribeMessage(ClientEvent.RoomLeave)
  leave(@ConnectedSocket() socket: ChatSocket, @MessageBody() body: RoomDto) {
    return this.chat.leave(socket, body.room);
  }

  @SubscribeMessage(ClientEvent.MessageSend)
  send(@ConnectedSocket() socket: ChatSocket, @MessageBody() body: SendMessageDto) {
    return this.chat.send(socket, body);
  }

  @SubscribeMessage(ClientEvent.DmSend)
  sendDirect(@ConnectedSocket() socket: ChatSocket, @MessageBody() body: DirectMessageDto) {
    return this.chat.sendDirect(socket, body);
  }

  @SubscribeMessage(ClientEvent.MessageEdit)
  edit(@ConnectedSocket() socket: ChatSocket, @MessageBody() body: EditMessageDto) {
    return this.chat.edit(socket, body);
  }

  @SubscribeMessage(ClientEvent.MessageDelete)
  delete(@ConnectedSocket() socket: ChatSocket, @MessageBody() body: MessageRefDto) {
    return this.chat.deleteFromSocket(socket, body);
  }

  @SubscribeMessage(ClientEvent.MessageHistory)
  history(@ConnectedSocket() socket: ChatSocket, @MessageBody() body: HistoryQueryDto) {
    return this.chat.history(socket, body);
  }
}
