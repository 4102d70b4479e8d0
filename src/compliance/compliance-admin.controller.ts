import { Body, Delete, Get, HttpCode, Param, Post, Put, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import {
  ApiAcceptedResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
} from '@nestjs/swagger';
import { AuditAction } from '../audit/audit-actions';
import { Audited } from '../audit/audited.decorator';
import type { AuthUser } from '../common/auth-user';
import { HttpErrorDto } from '../common/http-error.dto';
import { AdminController, CurrentAdmin } from '../moderation/admin-controller.decorator';
import { RoomDto } from '../rooms/dto/room.dto';
import { UserParamsDto } from '../moderation/dto/params.dto';
import { ComplianceService } from './compliance.service';
import { ExportQueryDto, HoldDto, HoldParamsDto, HoldsDto, NewHoldDto, RetentionDto, RetentionPolicyDto } from './dto/compliance.dto';

@AdminController('admin: compliance')
export class ComplianceAdminController {
  constructor(private readonly compliance: ComplianceService) {}

  @Put('rooms/:room/retention')
  @HttpCode(200)
  @Audited(AuditAction.RetentionSet)
  @ApiOperation({
    summary: "Keep the room's messages at most this long",
    description:
      'Older messages are removed with their reactions, thread links, attachments (files too) and search entries within `RETENTION_SWEEP_MS` of passing the age; messages under a legal hold stay.',
  })
  @ApiOkResponse({ type: RetentionPolicyDto })
  setRetention(@Param() { room }: RoomDto, @Body() { maxAgeSeconds }: RetentionDto): Promise<RetentionPolicyDto> {
    return this.compliance.setRetention(room, maxAgeSeconds);
  }

  @Delete('rooms/:room/retention')
  @HttpCode(204)
  @Audited(AuditAction.RetentionRemove)
  @ApiOperation({ summary: "Remove the room's retention policy; `RETENTION_DEFAULT_SECONDS` applies again, if set" })
  @ApiNoContentResponse({ description: 'Removed' })
  @ApiNotFoundResponse({ description: 'The room has no policy of its own', type: HttpErrorDto })
  async removeRetention(@Param() { room }: RoomDto): Promise<void> {
    await this.compliance.removeRetention(room);
  }

  @Post('holds')
  @HttpCode(201)
  @Audited(AuditAction.HoldPlace)
  @ApiOperation({
    summary: 'Place a legal hold on a room or on a user',
    description: 'While it stands, no retention, deletion or erasure removes what it covers: a deleted held message is hidden from users but kept for export.',
  })
  @ApiCreatedResponse({ type: HoldDto })
  placeHold(@Body() { room, userId, reason }: NewHoldDto, @CurrentAdmin() admin: AuthUser): Promise<HoldDto> {
    return this.compliance.placeHold({ room, userId, reason }, admin.id);
  }

  @Get('holds')
  @Audited(AuditAction.HoldsRead)
  @ApiOperation({ summary: 'The legal holds in force, oldest first' })
  @ApiOkResponse({ type: HoldsDto })
  listHolds(): Promise<HoldsDto> {
    return this.compliance.listHolds();
  }

  @Delete('holds/:id')
  @HttpCode(204)
  @Audited(AuditAction.HoldRelease)
  @ApiOperation({ summary: 'Release a legal hold; what it alone covered is removed again by retention and deletions' })
  @ApiNoContentResponse({ description: 'Released' })
  @ApiNotFoundResponse({ description: 'No such hold', type: HttpErrorDto })
  async releaseHold(@Param() { id }: HoldParamsDto): Promise<void> {
    await this.compliance.releaseHold(id);
  }

  @Get('users/:userId/data')
  @Audited(AuditAction.UserDataExport)
  @ApiOperation({
    summary: 'Export everything stored about a user as NDJSON',
    description:
      '`{ type, ... }` lines: `message` for each message the user wrote (held deletions included), `attachment`, `reaction`, `receipt`, `room` for each room held, `pushSubscription` (endpoint only); then the manifest `{ "type": "manifest", userId, count, sha256 }`.',
  })
  @ApiProduces('application/x-ndjson')
  @ApiOkResponse({ description: 'The export' })
  async exportUser(@Param() { userId }: UserParamsDto, @Res() response: Response): Promise<void> {
    await streamLines(response, this.compliance.exportUser(userId));
  }

  @Delete('users/:userId/data')
  @HttpCode(202)
  @Audited(AuditAction.UserErase)
  @ApiOperation({
    summary: 'Erase a user',
    description:
      'Within `RETENTION_SWEEP_MS`: each message the user wrote becomes a tombstone (`content: ""`, `deleted`, `erased`, its id and thread links kept); reactions, read markers, rooms held, push subscriptions, attachments (files too) and search entries of the user go. Messages in a room under a legal hold wait for the hold to go.',
  })
  @ApiAcceptedResponse({ type: UserParamsDto })
  @ApiConflictResponse({ description: 'A legal hold covers the user (`code: "held"`)', type: HttpErrorDto })
  requestErasure(@Param() { userId }: UserParamsDto): Promise<UserParamsDto> {
    return this.compliance.requestErasure(userId);
  }

  @Get('export')
  @Audited(AuditAction.RoomExport)
  @ApiOperation({
    summary: 'Export a room as NDJSON, oldest first',
    description:
      'One `Message` per line (with `reactions` and `attachments`; messages deleted under a hold with `deleted`, `deletedAt`, `deletedBy`), then `{ "type": "manifest", room, from, to, count, sha256 }`, `sha256` being the hex SHA-256 of every line before it, newlines included. Streamed a page at a time.',
  })
  @ApiProduces('application/x-ndjson')
  @ApiOkResponse({ description: 'The export' })
  async exportRoom(@Query() range: ExportQueryDto, @Res() response: Response): Promise<void> {
    await streamLines(response, this.compliance.exportRoom(range));
  }
}

/**
 * Writes the lines as they come, waiting for the socket to drain when its buffer is full, so that a slow reader
 * holds back the export instead of growing the node's memory. The first line is read before the headers go, so
 * that Redis trouble before any output is still an ordinary error answer; trouble after it cuts the response
 * short, without a manifest, which is how a reader tells an export that did not finish.
 */
async function streamLines(response: Response, lines: AsyncGenerator<string>): Promise<void> {
  const first = await lines.next();
  response.status(200).setHeader('Content-Type', 'application/x-ndjson; charset=utf-8');
  try {
    if (!first.done) await write(response, first.value);
    for await (const line of lines) {
      if (response.destroyed) return;
      await write(response, line);
    }
    response.end();
  } catch (error) {
    response.destroy(error instanceof Error ? error : new Error(String(error)));
  }
}

async function write(response: Response, line: string): Promise<void> {
  if (response.write(line)) return;
  await new Promise<void>((resolve) => {
    const resume = () => {
      response.off('drain', resume);
      response.off('close', resume);
      resolve();
    };
    response.on('drain', resume);
    response.on('close', resume);
  });
}
