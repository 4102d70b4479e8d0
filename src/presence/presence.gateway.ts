import { ConnectedSocket, MessageBody, OnGatewayInit, SubscribeMessage } from '@nestjs/websockets';
import type { Namespace } from 'socket.io';
import type { ChatSocket } from '../realtime/chat-socket';
import { ClientEvent } from '../common/contract';
import { ChatNamespaceGateway } from '../common/contract-gateway.decorator';
import { RoomDto } from '../chat/dto/room.dto';
import { assertMayJoin } from '../chat/room-access';
import { PresenceService } from './presence.service';

@ChatNamespaceGateway()
export class PresenceGateway implements OnGatewayInit {
  constructor(private readonly presence: PresenceService) {}

  afterInit(namespace: Namespace): void {
    this.presence.watch(namespace);
  }

  /** Needs only the right to join the room, as history does. */
  @SubscribeMessage(ClientEvent.PresenceList)
  async list(@ConnectedSocket() socket: ChatSocket, @MessageBody() { room }: RoomDto) {
    assertMayJoin(socket.data.user, room);
    return { users: await this.presence.members(room) };
  }
}
