import { Body, Delete, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOperation } from '@nestjs/swagger';
import { AuditAction } from '../audit/audit-actions';
import { Audited } from '../audit/audited.decorator';
import { AdminController } from './admin-controller.decorator';
import { HttpErrorDto } from '../common/http-error.dto';
import { BanDto } from './dto/moderation-bodies.dto';
import { UserParamsDto } from './dto/params.dto';
import { ModerationService } from './moderation.service';

@AdminController('admin: users')
@ApiBadRequestResponse({ description: 'Invalid user id or body; one message per field', type: HttpErrorDto })
@ApiNotFoundResponse({ description: 'No such user (never connected)', type: HttpErrorDto })
export class UsersAdminController {
  constructor(private readonly moderation: ModerationService) {}

  @Post('users/:userId/ban')
  @HttpCode(204)
  @Audited(AuditAction.UserBan)
  @ApiOperation({ summary: 'Ban the user: every connection hears `moderation: banned` and closes; handshakes answer `banned` until it lapses or is lifted' })
  @ApiNoContentResponse({ description: 'Banned (a second ban replaces the first)' })
  async ban(@Param() { userId }: UserParamsDto, @Body() { durationSec, reason }: BanDto): Promise<void> {
    await this.moderation.ban(userId, durationSec, reason);
  }

  @Delete('users/:userId/ban')
  @HttpCode(204)
  @Audited(AuditAction.UserUnban)
  @ApiOperation({ summary: 'Lift a ban' })
  @ApiNoContentResponse({ description: 'Lifted' })
  @ApiNotFoundResponse({ description: 'No such user, or the user is not banned', type: HttpErrorDto })
  async unban(@Param() { userId }: UserParamsDto): Promise<void> {
    await this.moderation.unban(userId);
  }

  @Post('users/:userId/revoke-tokens')
  @HttpCode(204)
  @Audited(AuditAction.UserTokensRevoke)
  @ApiOperation({ summary: 'Refuse every token of the user issued up to now (`token_revoked`); open sessions hear `session: revoked` and close' })
  @ApiNoContentResponse({ description: 'Revoked' })
  async revokeTokens(@Param() { userId }: UserParamsDto): Promise<void> {
    await this.moderation.revokeTokens(userId);
  }
}
