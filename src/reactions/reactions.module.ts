import { Module } from '@nestjs/common';
import { ReactionGateway } from './reaction.gateway';
import { ReactionRepository } from './reaction.repository';
import { ReactionService } from './reaction.service';

@Module({
  providers: [ReactionGateway, ReactionService, ReactionRepository],
  exports: [ReactionRepository],
})
export class ReactionsModule {}
