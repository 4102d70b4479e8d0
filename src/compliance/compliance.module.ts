import { Module } from '@nestjs/common';
import { AttachmentsModule } from '../attachments/attachments.module';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { ChatModule } from '../chat/chat.module';
import { HoldsModule } from '../holds/holds.module';
import { RoomsModule } from '../rooms/rooms.module';
import { ComplianceAdminController } from './compliance-admin.controller';
import { ComplianceRepository } from './compliance.repository';
import { ComplianceService } from './compliance.service';
import { RetentionSweeper } from './retention.sweeper';
import { UserErasure } from './user-erasure';
import { ModerationModule } from '../moderation/moderation.module';
import { PushModule } from '../push/push.module';
import { ReactionsModule } from '../reactions/reactions.module';
import { SearchModule } from '../search/search.module';

/** Retention, legal holds and exports on the admin API, and the cluster's retention sweeper (docs/COMPLIANCE.md). */
@Module({
  imports: [AuthModule, AuditModule, RoomsModule, ChatModule, HoldsModule, AttachmentsModule, ModerationModule, PushModule, ReactionsModule, SearchModule],
  controllers: [ComplianceAdminController],
  providers: [ComplianceService, ComplianceRepository, RetentionSweeper, UserErasure],
})
export class ComplianceModule {}
