import { Injectable } from '@nestjs/common';
import type { Connection } from '../common/connection';
import { ClientEvent } from '../common/contract';
import { OnClientEvent } from '../realtime/on-client-event.decorator';
import { RoomDto } from '../rooms/dto/room.dto';
import { assertMayJoin } from '../rooms/room-access';
import { PresenceService } from './presence.service';

@Injectable()
export class PresenceGateway {
  constructor(private readonly presence: PresenceService) {}

  /** Needs only the right to join the room, as history does. */
  @OnClientEvent(ClientEvent.PresenceList)
  async list(connection: Connection, { room }: RoomDto) {
    assertMayJoin(connection.user, room);
    return { users: await this.presence.members(room) };
  }
}
