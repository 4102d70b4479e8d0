import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { ChatModule } from '../chat/chat.module';
import { PresenceModule } from '../presence/presence.module';
import { RoomsModule } from '../rooms/rooms.module';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { ModerationRepository } from './moderation.repository';
import { ModerationService } from './moderation.service';
import { RoomsAdminController } from './rooms-admin.controller';
import { UsersAdminController } from './users-admin.controller';
import { AuditController } from './audit-admin.controller';
import { WebhooksAdminController } from './webhooks-admin.controller';

/** The admin API under /admin: rooms, messages, kicks, mutes, bans, revocations and the audit trail, webhook dead letters. */
@Module({
  imports: [AuthModule, AuditModule, RoomsModule, ChatModule, PresenceModule, WebhooksModule],
  controllers: [RoomsAdminController, UsersAdminController, AuditController, WebhooksAdminController],
  providers: [ModerationService, ModerationRepository],
  exports: [ModerationRepository],
})
export class ModerationModule {}
