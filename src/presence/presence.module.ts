import { Module } from '@nestjs/common';
import { EventsModule } from '../events/events.module';
import { RoomsModule } from '../rooms/rooms.module';
import { PresenceGateway } from './presence.gateway';
import { PresenceRepository } from './presence.repository';
import { PresenceService } from './presence.service';

@Module({
  imports: [EventsModule, RoomsModule],
  providers: [PresenceGateway, PresenceService, PresenceRepository],
  exports: [PresenceService],
})
export class PresenceModule {}
