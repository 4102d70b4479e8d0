import { Body, Delete, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { ApiBadRequestResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { AuditAction } from '../audit/audit-actions';
import { Audited } from '../audit/audited.decorator';
import type { AuthUser } from '../common/auth-user';
import { AdminController, CurrentAdmin } from './admin-controller.decorator';
import { HttpErrorDto } from '../common/http-error.dto';
import { HistoryPageDto } from '../chat/dto/history.dto';
import { MessageRefDto } from '../rooms/dto/message-ref.dto';
import { RoomDto } from '../rooms/dto/room.dto';
import { KickDto, MuteDto } from './dto/moderation-bodies.dto';
import { MessagesPageDto, PresenceDto, RoomSummaryDto } from './dto/moderation-responses.dto';
import { ROOMS_PAGE_DEFAULT, RoomsPageQueryDto, RoomUserParamsDto } from './dto/params.dto';
import { ModerationService, RoomSummary } from './moderation.service';

@AdminController('admin: rooms')
@ApiBadRequestResponse({ description: 'Invalid room name, id, query or body; one message per field', type: HttpErrorDto })
export class RoomsAdminController {
  constructor(private readonly moderation: ModerationService) {}

  @Get('rooms')
  @Audited(AuditAction.RoomsList)
  @ApiOperation({
    summary: 'Rooms by name, a page at a time, with their online users and last message time',
    description:
      'The body stays an array. When more rooms may follow, the `X-Next-Cursor` header holds the cursor of the next page: pass it as `cursor`. A page may hold fewer than `limit` rooms: rooms with no message left and nobody online are forgotten as they are met.',
  })
  @ApiOkResponse({
    type: [RoomSummaryDto],
    headers: { 'X-Next-Cursor': { description: 'Cursor of the next page; absent on the last page', schema: { type: 'string' } } },
  })
  async rooms(@Query() { cursor, limit }: RoomsPageQueryDto, @Res({ passthrough: true }) response: Response): Promise<RoomSummary[]> {
    const page = await this.moderation.listRooms(cursor, limit ?? ROOMS_PAGE_DEFAULT);
    if (page.nextCursor !== undefined) response.setHeader('X-Next-Cursor', page.nextCursor);
    return page.rooms;
  }

  @Get('rooms/:room/presence')
  @Audited(AuditAction.RoomPresenceRead)
  @ApiOperation({ summary: 'Users connected in the room across nodes, as `presence:list` answers' })
  @ApiOkResponse({ type: PresenceDto })
  @ApiNotFoundResponse({ description: 'No such room', type: HttpErrorDto })
  presence(@Param() { room }: RoomDto, @CurrentAdmin() admin: AuthUser): Promise<PresenceDto> {
    return this.moderation.presenceOf(room, admin);
  }

  @Get('rooms/:room/messages')
  @Audited(AuditAction.RoomMessagesRead)
  @ApiOperation({ summary: "A page of the room's history, oldest first: the latest, or between `after` and `before`" })
  @ApiOkResponse({ type: MessagesPageDto })
  @ApiNotFoundResponse({ description: 'No such room', type: HttpErrorDto })
  messages(@Param() { room }: RoomDto, @Query() page: HistoryPageDto, @CurrentAdmin() admin: AuthUser): Promise<MessagesPageDto> {
    return this.moderation.messages(room, page, admin);
  }

  @Delete('rooms/:room/messages/:messageId')
  @HttpCode(204)
  @Audited(AuditAction.MessageDelete)
  @ApiOperation({ summary: 'Delete a message; the room hears `message:deleted`' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiNotFoundResponse({ description: 'No such room or message', type: HttpErrorDto })
  async deleteMessage(@Param() { room, messageId }: MessageRefDto, @CurrentAdmin() admin: AuthUser): Promise<void> {
    await this.moderation.deleteMessage(room, messageId, admin);
  }

  @Post('rooms/:room/kick')
  @HttpCode(204)
  @Audited(AuditAction.UserKick)
  @ApiOperation({ summary: "Remove the user's connections from the room on every node; they hear `moderation: kicked` and may rejoin" })
  @ApiNoContentResponse({ description: 'Kicked (also when the user was not in the room)' })
  @ApiNotFoundResponse({ description: 'No such room or user', type: HttpErrorDto })
  async kick(@Param() { room }: RoomDto, @Body() { userId, reason }: KickDto, @CurrentAdmin() admin: AuthUser): Promise<void> {
    await this.moderation.kick(room, userId, reason, admin);
  }

  @Post('rooms/:room/mute')
  @HttpCode(204)
  @Audited(AuditAction.UserMute)
  @ApiOperation({ summary: 'Mute the user in the room: `message:send` answers `muted` until it lapses or is lifted' })
  @ApiNoContentResponse({ description: 'Muted (a second mute replaces the first)' })
  @ApiNotFoundResponse({ description: 'No such room or user', type: HttpErrorDto })
  async mute(@Param() { room }: RoomDto, @Body() { userId, durationSec, reason }: MuteDto, @CurrentAdmin() admin: AuthUser): Promise<void> {
    await this.moderation.mute(room, userId, durationSec, reason, admin);
  }

  @Delete('rooms/:room/mute/:userId')
  @HttpCode(204)
  @Audited(AuditAction.UserUnmute)
  @ApiOperation({ summary: 'Lift a mute; the user hears `moderation: unmuted`' })
  @ApiNoContentResponse({ description: 'Lifted' })
  @ApiNotFoundResponse({ description: 'No such room or user, or the user is not muted there', type: HttpErrorDto })
  async unmute(@Param() { room, userId }: RoomUserParamsDto, @CurrentAdmin() admin: AuthUser): Promise<void> {
    await this.moderation.unmute(room, userId, admin);
  }
}
