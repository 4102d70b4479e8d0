import { Controller, HttpCode, Post, Req, UseGuards, UseInterceptors } from '@nestjs/common';
import { AuditAction } from '../audit/audit-actions';
import { AuditInterceptor } from '../audit/audit.interceptor';
import { Audited } from '../audit/audited.decorator';
import { AuthService } from './auth.service';
import { HttpAuthGuard } from './http-auth.guard';
import type { AuthenticatedRequest } from '../common/authenticated-request';

@Controller('auth')
@UseGuards(HttpAuthGuard)
@UseInterceptors(AuditInterceptor)
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  /** This token is refused from now until it expires, and its connections on every node are closed. */
  @Post('logout')
  @HttpCode(204)
  @Audited(AuditAction.Logout, { recordsInput: false })
  async logout(@Req() request: AuthenticatedRequest): Promise<void> {
    await this.auth.logout(request.user);
  }
}
