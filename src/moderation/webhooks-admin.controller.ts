import { ConflictException, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBadRequestResponse, ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { AuditAction } from '../audit/audit-actions';
import { Audited } from '../audit/audited.decorator';
import { AdminController } from './admin-controller.decorator';
import { notFound } from '../common/contract-error';
import { HttpErrorDto } from '../common/http-error.dto';
import { DEAD_LETTERS_PAGE_DEFAULT, DeadLetterParamsDto, DeadLettersDto, DeadLettersQueryDto } from './dto/dead-letters.dto';
import { WebhookQueue } from '../webhooks/webhook-queue';

@AdminController('admin: webhooks')
@ApiBadRequestResponse({ description: 'Invalid query or id', type: HttpErrorDto })
export class WebhooksAdminController {
  constructor(private readonly deliveries: WebhookQueue) {}

  @Get('webhooks/failed')
  @Audited(AuditAction.WebhookDeadLettersRead)
  @ApiOperation({ summary: 'Deliveries that used up their attempts (the dead letters), newest first' })
  @ApiOkResponse({ type: DeadLettersDto })
  async deadLetters(@Query() { limit }: DeadLettersQueryDto): Promise<DeadLettersDto> {
    return { deliveries: await this.deliveries.deadLetters(limit ?? DEAD_LETTERS_PAGE_DEFAULT) };
  }

  @Post('webhooks/failed/:id/replay')
  @HttpCode(202)
  @Audited(AuditAction.WebhookReplay)
  @ApiOperation({ summary: 'Queue a dead letter again with a fresh set of attempts; it leaves the list' })
  @ApiAcceptedResponse({ description: 'Queued again' })
  @ApiNotFoundResponse({ description: 'No such failed delivery (unknown, or already replayed)', type: HttpErrorDto })
  @ApiConflictResponse({ description: 'Its URL is no longer in WEBHOOK_URLS: it is not sent there again', type: HttpErrorDto })
  async replay(@Param() { id }: DeadLetterParamsDto): Promise<void> {
    const outcome = await this.deliveries.replay(id);
    if (outcome === 'not_found') throw notFound('failed delivery');
    if (outcome === 'url_not_configured') throw new ConflictException("this delivery's URL is no longer in WEBHOOK_URLS: it is not sent there again");
  }
}
