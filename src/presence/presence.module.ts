import { Module } from '@nestjs/common';
import { PresenceGateway } from './presence.gateway';
import { PresenceRepository } from './presence.repository';
import { PresenceService } from './presence.service';

@Module({
  providers: [PresenceGateway, PresenceService, PresenceRepository],
  exports: [PresenceService],
})
export class PresenceModule {}
