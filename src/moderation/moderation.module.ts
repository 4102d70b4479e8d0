import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { ChatModule } from '../chat/chat.module';
import { PresenceModule } from '../presence/presence.module';
import { ModerationRepository } from './moderation.repository';
import { ModerationService } from './moderation.service';
import { RoomsAdminController } from './rooms-admin.controller';
import { UsersAdminController } from './users-admin.controller';

/** The admin moderation API under /admin: rooms, messages, kicks, mutes, bans and revocations. */
@Module({
  imports: [AuthModule, ChatModule, PresenceModule],
  controllers: [RoomsAdminController, UsersAdminController],
  providers: [ModerationService, ModerationRepository],
  exports: [ModerationRepository],
})
export class ModerationModule {}
