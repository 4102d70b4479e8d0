import { Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { AdminController } from './admin-controller.decorator';
import { HttpErrorDto } from '../common/http-error.dto';
import { AuditAction } from '../audit/audit-actions';
import { AuditService } from '../audit/audit.service';
import { Audited } from '../audit/audited.decorator';
import { AuditPageDto, AuditVerificationDto } from '../audit/dto/audit-page.dto';
import { AUDIT_PAGE_DEFAULT, AuditQueryDto } from '../audit/dto/audit-query.dto';

@AdminController('audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get('audit/verify')
  @Audited(AuditAction.AuditVerify)
  @ApiOperation({
    summary: "Check the audit trail's hash chain",
    description:
      "Every entry carries `hash`, the SHA-256 of the previous entry's hash and its own fields; walks the trail oldest first (each share of it, docs/COMPLIANCE.md). `ok: false` with `brokenAt`, the id of the first entry whose link does not hold, when an entry was changed or removed in Redis. The chain starts at the oldest entry kept.",
  })
  @ApiOkResponse({ type: AuditVerificationDto })
  verify(): Promise<AuditVerificationDto> {
    return this.audit.verify();
  }

  @Get('audit')
  @Audited(AuditAction.AuditRead)
  @ApiOperation({ summary: 'Read the audit trail, newest first, optionally filtered by actor and action' })
  @ApiOkResponse({ type: AuditPageDto })
  @ApiBadRequestResponse({ type: HttpErrorDto })
  query(@Query() { limit, actor, action, before }: AuditQueryDto): Promise<AuditPageDto> {
    return this.audit.query({ actor, action, before, limit: limit ?? AUDIT_PAGE_DEFAULT });
  }
}
