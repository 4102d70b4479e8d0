import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { Message, MessageAttachment, PresenceEntry } from '../../common/contract';
import { MESSAGE_ID_PATTERN } from '../../common/validation-patterns';

export class RoomSummaryDto {
  @ApiProperty({ example: 'general' })
  room: string;

  @ApiProperty({ description: 'Distinct users connected in the room, across nodes', example: 12 })
  online: number;

  @ApiProperty({ description: 'Epoch ms of the newest stored message; null when the room has none', nullable: true, type: Number, example: 1700000000000 })
  lastMessageAt: number | null;
}

/** An entry of a presence list, on REST and in `presence:list` and `room:join` acks alike. */
export class PresenceUserDto implements PresenceEntry {
  @ApiProperty({ example: 'alice' })
  userId: string;

  @ApiProperty({ example: 'Alice', nullable: true, type: String, description: "The token's name claim, null without one" })
  name: string | null;

  @ApiProperty({ type: 'integer', description: 'Connections of this user in the room, across nodes', example: 2 })
  connections: number;
}

export class PresenceDto {
  @ApiProperty({ type: [PresenceUserDto] })
  users: PresenceUserDto[];
}

export class MessageAttachmentDto implements MessageAttachment {
  @ApiProperty()
  id: string;

  @ApiProperty({ example: 'report.pdf' })
  filename: string;

  @ApiProperty({ example: 'application/pdf' })
  contentType: string;

  @ApiProperty({ type: 'integer', description: 'Bytes' })
  size: number;

  @ApiProperty({ description: 'A time-limited download link' })
  url: string;
}

/**
 * The contract's `Message`, for REST (OpenAPI) and for every socket event and ack that carries one (AsyncAPI):
 * both documents are generated from this class, which docs/asyncapi-contract.ts holds to the type, field by field.
 */
export class MessageDto implements Message {
  @ApiProperty({ pattern: MESSAGE_ID_PATTERN.source, description: 'Sorts in send order within its room (a Redis stream id)', example: '1700000000000-0' })
  id: string;

  @ApiProperty({ example: 'general' })
  room: string;

  @ApiProperty({ example: 'alice' })
  userId: string;

  @ApiPropertyOptional({ description: "The author's display name; absent without one", example: 'Alice' })
  name?: string;

  @ApiProperty({ description: 'Plain text, never interpreted as HTML', example: 'hello' })
  content: string;

  @ApiProperty({ type: 'integer', description: 'Epoch ms', example: 1700000000000 })
  createdAt: number;

  @ApiPropertyOptional()
  clientMsgId?: string;

  @ApiPropertyOptional({ description: 'Id of the message this one replies to' })
  replyTo?: string;

  @ApiPropertyOptional({ type: 'integer', description: 'Epoch ms of the latest edit' })
  editedAt?: number;

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'integer' }, description: 'Reaction counts by emoji', example: { '👍': 3 } })
  reactions?: Record<string, number>;

  @ApiPropertyOptional({ description: 'User ids named as @userId in the content', type: [String] })
  mentions?: string[];

  @ApiPropertyOptional({ description: 'Files attached to the message, each with a time-limited download url', type: [MessageAttachmentDto] })
  attachments?: MessageAttachmentDto[];

  @ApiPropertyOptional({ type: 'integer', description: 'Replies to this message (thread roots only)' })
  replyCount?: number;

  @ApiPropertyOptional({ type: 'integer', description: 'Epoch ms of the latest reply (thread roots only)' })
  lastReplyAt?: number;
}

export class MessagesPageDto {
  @ApiProperty({ type: [MessageDto], description: 'Oldest first' })
  messages: MessageDto[];
}
