import { Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { AdminController } from './admin-controller.decorator';
import { HttpErrorDto } from '../common/http-error.dto';
import { AuditAction } from '../audit/audit-actions';
import { AuditService } from '../audit/audit.service';
import { Audited } from '../audit/audited.decorator';
import { AuditPageDto } from '../audit/dto/audit-page.dto';
import { AUDIT_PAGE_DEFAULT, AuditQueryDto } from '../audit/dto/audit-query.dto';

@AdminController('audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get('audit')
  @Audited(AuditAction.AuditRead)
  @ApiOperation({ summary: 'Read the audit trail, newest first, optionally filtered by actor and action' })
  @ApiOkResponse({ type: AuditPageDto })
  @ApiBadRequestResponse({ type: HttpErrorDto })
  query(@Query() { limit, actor, action, before }: AuditQueryDto): Promise<AuditPageDto> {
    return this.audit.query({ actor, action, before, limit: limit ?? AUDIT_PAGE_DEFAULT });
  }
}
