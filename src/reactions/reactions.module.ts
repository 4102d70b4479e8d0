import { Module } from '@nestjs/common';
import { ChatModule } from '../chat/chat.module';
import { ReactionGateway } from './reaction.gateway';
import { ReactionRepository } from './reaction.repository';
import { ReactionService } from './reaction.service';

@Module({
  imports: [ChatModule],
  providers: [ReactionGateway, ReactionService, ReactionRepository],
})
export class ReactionsModule {}
