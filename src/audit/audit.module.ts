import { Global, Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { AuditController } from './audit.controller';
import { AuditInterceptor } from './audit.interceptor';
import { AuditRepository } from './audit.repository';
import { AuditService } from './audit.service';
import { SecurityAuditHooks } from './security-audit.hooks';

/**
 * The audit trail. Global, so that any feature can record its security events (`AuditService.record`) and
 * any controller can use `AuditInterceptor` without importing this module.
 */
@Global()
@Module({
  imports: [AuthModule],
  controllers: [AuditController],
  providers: [AuditRepository, AuditService, AuditInterceptor, SecurityAuditHooks],
  exports: [AuditService, AuditInterceptor],
})
export class AuditModule {}
