import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type {
  AttachmentCreateResult,
  CallSignalType,
  InboxRoom,
  JoinRoomResult,
  ModerationNotice,
  ReactionCounts,
  ReactionResult,
  ServerEventMap,
} from '../common/contract';
import { CALL_SIGNAL_TYPES } from '../calls/dto/call-signal.dto';
import { ROOM_NAME_PATTERN } from '../common/contract';
import { MESSAGE_ID_PATTERN } from '../common/validation-patterns';
import { MessageDto, PresenceUserDto } from '../moderation/dto/moderation-responses.dto';

/*
 * What the server sends over Socket.IO and /ws besides what REST serves too (MessageDto, PresenceDto, ...): the
 * acks' data and the server events' payloads. The AsyncAPI document is generated from these classes, and
 * `asyncapi-contract.ts` holds each to its type in common/contract.ts, field by field.
 */

const room = { description: 'Room name', pattern: ROOM_NAME_PATTERN.source, example: 'general' };
const messageId = { description: 'A message id (a Redis stream id, `<ms>-<seq>`)', pattern: MESSAGE_ID_PATTERN.source, example: '1700000000000-0' };
const userId = { description: "The `sub` of the user's token", example: 'alice' };
const reactions = { description: 'Reaction counts by emoji', type: 'object', additionalProperties: { type: 'integer' }, example: { '👍': 3 } } as const;
const epochMs = { type: 'integer', description: 'Epoch milliseconds', example: 1_700_000_000_000 } as const;

/** The ack data of events that answer nothing but success. */
export class EmptyDto {}

export class JoinRoomResultDto implements JoinRoomResult {
  @ApiProperty(room)
  room: string;

  @ApiProperty({ type: [MessageDto], description: 'With `since`, the messages after it (at most CATCHUP_MAX); else the latest 50; oldest first' })
  messages: MessageDto[];

  @ApiProperty({ type: [PresenceUserDto] })
  presence: PresenceUserDto[];

  @ApiProperty({ type: String, nullable: true, description: 'The newest message this user read in the room; null before any receipt' })
  lastReadId: string | null;

  @ApiProperty({ type: 'integer', description: 'Messages after lastReadId' })
  unreadCount: number;

  @ApiPropertyOptional({ description: 'With `since` only; false when more were missed than CATCHUP_MAX: page on with message:history { after }' })
  complete?: boolean;
}

export class ReactionResultDto implements ReactionResult {
  @ApiProperty(messageId)
  messageId: string;

  @ApiProperty(reactions)
  reactions: ReactionCounts;
}

export class RefreshResultDto {
  @ApiProperty({ type: 'integer', description: 'Expiry of the new token, epoch seconds' })
  exp: number;
}

export class InboxRoomDto implements InboxRoom {
  @ApiProperty(room)
  room: string;

  @ApiProperty({ type: 'integer' })
  unreadCount: number;

  @ApiProperty({ type: MessageDto, nullable: true, description: 'null when the room holds no message' })
  lastMessage: MessageDto | null;

  @ApiProperty({ type: String, nullable: true })
  lastReadId: string | null;
}

export class InboxDto {
  @ApiProperty({ type: [InboxRoomDto], description: "The user's rooms, those with the newest message first" })
  rooms: InboxRoomDto[];
}

export class SearchResultDto {
  @ApiProperty({ type: [MessageDto], description: 'Best matches first' })
  messages: MessageDto[];

  @ApiPropertyOptional({ enum: [true], description: 'Present when not every readable room or posting was searched' })
  partial?: true;
}

export class AttachmentCreateResultDto implements AttachmentCreateResult {
  @ApiProperty({ description: 'To send with message:send { attachments }' })
  attachmentId: string;

  @ApiProperty({ description: 'Where to PUT the bytes' })
  uploadUrl: string;

  @ApiProperty({ enum: ['PUT'] })
  method: 'PUT';

  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, description: 'Headers the upload must carry' })
  headers: Record<string, string>;

  @ApiProperty(epochMs)
  expiresAt: number;
}

export class CallDeliveryDto {
  @ApiProperty({ type: 'integer', description: 'Connections of the callee reached; 0 when the user is offline' })
  delivered: number;
}

export class MessageDeletedDto {
  @ApiProperty(room)
  room: string;

  @ApiProperty(messageId)
  messageId: string;

  @ApiProperty({ description: 'Who deleted it: the author, or an admin' })
  by: string;
}

export class TypingEventDto {
  @ApiProperty(room)
  room: string;

  @ApiProperty(userId)
  userId: string;

  @ApiProperty()
  isTyping: boolean;
}

export class PresenceEventDto {
  @ApiProperty(room)
  room: string;

  @ApiProperty(userId)
  userId: string;

  @ApiPropertyOptional({ description: "The token's name claim; absent without one", example: 'Alice' })
  name?: string;

  @ApiProperty({ enum: ['joined', 'left'], description: 'First connection of the user in, last connection out' })
  status: 'joined' | 'left';
}

export class ReactionEventDto {
  @ApiProperty(room)
  room: string;

  @ApiProperty(messageId)
  messageId: string;

  @ApiProperty({ example: '👍' })
  emoji: string;

  @ApiProperty(userId)
  userId: string;

  @ApiProperty({ enum: ['add', 'remove'] })
  action: 'add' | 'remove';

  @ApiProperty(reactions)
  reactions: ReactionCounts;
}

export class ReceiptEventDto {
  @ApiProperty(room)
  room: string;

  @ApiProperty(userId)
  userId: string;

  @ApiProperty({ ...messageId, description: 'The newest message the user read' })
  messageId: string;
}

export class ModerationNoticeDto implements ModerationNotice {
  @ApiProperty({ enum: ['kicked', 'muted', 'unmuted', 'banned'] })
  action: 'kicked' | 'muted' | 'unmuted' | 'banned';

  @ApiPropertyOptional(room)
  room?: string;

  @ApiPropertyOptional({ description: 'As the admin gave it' })
  reason?: string;

  @ApiPropertyOptional({ ...epochMs, description: 'When a mute or ban lapses (epoch ms); absent when it does not' })
  until?: number;
}

export class SessionNoticeDto {
  @ApiProperty({ enum: ['expired', 'revoked', 'logout', 'shutdown', 'disconnected'], description: 'Sent just before the server disconnects' })
  reason: ServerEventMap['session']['reason'];
}

export class NotificationDto {
  @ApiProperty({ description: 'As the server API was given it', example: 'invoice.paid' })
  type: string;

  @ApiProperty({ description: 'Any JSON value, as the server API was given it' })
  data: unknown;

  @ApiProperty(epochMs)
  at: number;
}

export class MentionDto {
  @ApiProperty(room)
  room: string;

  @ApiProperty({ type: MessageDto })
  message: MessageDto;
}

export class CallSignalEventDto {
  @ApiProperty({ description: "The caller's user id" })
  from: string;

  @ApiProperty()
  callId: string;

  @ApiProperty({ enum: CALL_SIGNAL_TYPES })
  type: CallSignalType;

  @ApiProperty({ type: 'object', additionalProperties: true, description: 'As the caller sent it' })
  data: Record<string, unknown>;
}
