import { Injectable } from '@nestjs/common';
import type { Connection } from '../common/connection';
import { ClientEvent } from '../common/contract';
import { OnClientEvent } from '../realtime/on-client-event.decorator';
import { RoomDto } from '../rooms/dto/room.dto';
import { PresenceService } from './presence.service';

@Injectable()
export class PresenceGateway {
  constructor(private readonly presence: PresenceService) {}

  @OnClientEvent(ClientEvent.PresenceList)
  list(connection: Connection, { room }: RoomDto) {
    return this.presence.list(connection, room);
  }
}
