import { MessageBody, SubscribeMessage } from '@nestjs/websockets';
import type { Connection } from '../common/connection';
import { ClientConnection } from '../realtime/client-connection.decorator';
import { ClientEvent } from '../common/contract';
import { ChatNamespaceHandlers } from '../realtime/chat-namespace-handlers.decorator';
import { RoomDto } from '../rooms/dto/room.dto';
import { assertMayJoin } from '../rooms/room-access';
import { PresenceService } from './presence.service';

@ChatNamespaceHandlers()
export class PresenceGateway {
  constructor(private readonly presence: PresenceService) {}

  /** Needs only the right to join the room, as history does. */
  @SubscribeMessage(ClientEvent.PresenceList)
  async list(@ClientConnection() connection: Connection, @MessageBody() { room }: RoomDto) {
    assertMayJoin(connection.user, room);
    return { users: await this.presence.members(room) };
  }
}
