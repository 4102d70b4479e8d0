import { Module } from '@nestjs/common';
import { RoomsModule } from '../rooms/rooms.module';
import { ReactionGateway } from './reaction.gateway';
import { ReactionRepository } from './reaction.repository';
import { ReactionService } from './reaction.service';

@Module({
  imports: [RoomsModule],
  providers: [ReactionGateway, ReactionService, ReactionRepository],
  exports: [ReactionRepository],
})
export class ReactionsModule {}
