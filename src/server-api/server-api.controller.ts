import { Body, Get, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
} from '@nestjs/swagger';
import { AuditAction } from '../audit/audit-actions';
import { Audited } from '../audit/audited.decorator';
import { Message } from '../common/contract';
import { HttpErrorDto } from '../common/http-error.dto';
import { MessageDto } from '../moderation/dto/moderation-responses.dto';
import { UserParamsDto } from '../moderation/dto/params.dto';
import { RoomDto } from '../rooms/dto/room.dto';
import { DisconnectDto, NotifyDto, ServerBroadcastDto, ServerMessageDto } from './dto/server-bodies.dto';
import { BroadcastResultDto, NotifyResultDto, UserPresenceDto } from './dto/server-responses.dto';
import { RequiresScope } from './server-auth.guard';
import { ServerController } from './server-controller.decorator';
import { ServerApiService, UserPresence } from './server-api.service';

@ServerController('server API')
export class ServerApiController {
  constructor(private readonly server: ServerApiService) {}

  @Post('rooms/:room/messages')
  @RequiresScope('publish')
  @Audited(AuditAction.ServerMessagePublish)
  @ApiOperation({
    summary:
      'Store a message in the room and deliver it as `message` on every node, under the rules of a client send; a retry with the same clientMsgId and userId answers the stored message',
  })
  @ApiCreatedResponse({ type: MessageDto })
  @ApiNotFoundResponse({ description: '`replyTo` names no message of the room', type: HttpErrorDto })
  @ApiPayloadTooLargeResponse({ description: 'content is longer than MESSAGE_MAX_LENGTH characters', type: HttpErrorDto })
  publish(@Param() { room }: RoomDto, @Body() body: ServerMessageDto): Promise<Message> {
    return this.server.publish(room, body);
  }

  @Post('broadcast')
  @RequiresScope('publish')
  @Audited(AuditAction.ServerBroadcast)
  @ApiOperation({ summary: 'Store and deliver the same message in each of 1 to 100 rooms' })
  @ApiCreatedResponse({ type: BroadcastResultDto })
  @ApiPayloadTooLargeResponse({ description: 'content is longer than MESSAGE_MAX_LENGTH characters', type: HttpErrorDto })
  broadcast(@Body() body: ServerBroadcastDto): Promise<{ messages: Message[] }> {
    return this.server.broadcast(body);
  }

  @Post('users/:userId/notify')
  @RequiresScope('notify')
  @HttpCode(202)
  @Audited(AuditAction.ServerNotify, { recordsInput: false })
  @ApiOperation({ summary: 'Send `notification { type, data, at }` to every live connection of the user, on every node; nothing is stored' })
  @ApiAcceptedResponse({ type: NotifyResultDto })
  @ApiPayloadTooLargeResponse({ description: 'data is more than 16 KiB as JSON', type: HttpErrorDto })
  notify(@Param() { userId }: UserParamsDto, @Body() { type, data }: NotifyDto): Promise<{ connections: number }> {
    return this.server.notify(userId, type, data);
  }

  @Get('users/:userId/presence')
  @RequiresScope('presence')
  @ApiOperation({ summary: "The user's live connections across all nodes: node, handshake time and transport of each" })
  @ApiOkResponse({ type: UserPresenceDto })
  presence(@Param() { userId }: UserParamsDto): Promise<UserPresence> {
    return this.server.presenceOf(userId);
  }

  @Post('users/:userId/disconnect')
  @RequiresScope('disconnect')
  @HttpCode(204)
  @Audited(AuditAction.ServerDisconnect)
  @ApiOperation({
    summary: 'Every connection of the user, on every node, hears `session { reason: "disconnected" }` and is closed; the user may connect again',
  })
  @ApiNoContentResponse({ description: 'Closed everywhere' })
  async disconnect(@Param() { userId }: UserParamsDto, @Body() _body: DisconnectDto): Promise<void> {
    await this.server.disconnect(userId);
  }
}
