import { Module } from '@nestjs/common';
import { RoomsModule } from '../rooms/rooms.module';
import { ReactionGateway } from './reaction.gateway';
import { ReactionService } from './reaction.service';

@Module({
  imports: [RoomsModule],
  providers: [ReactionGateway, ReactionService],
})
export class ReactionsModule {}
