import { Module } from '@nestjs/common';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { AuditInterceptor } from './audit.interceptor';
import { AuditRepository } from './audit.repository';
import { AuditService } from './audit.service';
import { SecurityAuditHooks } from './security-audit.hooks';

/**
 * The audit trail: what features record (`AuditService.record`, `AuditInterceptor` on admin routes) and the
 * listeners of the security events. Read by admins through moderation/'s `/admin/audit` controller.
 */
@Module({
  imports: [WebhooksModule],
  providers: [AuditRepository, AuditService, AuditInterceptor, SecurityAuditHooks],
  exports: [AuditService, AuditInterceptor],
})
export class AuditModule {}
