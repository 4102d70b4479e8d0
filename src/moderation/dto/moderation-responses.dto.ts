import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { MessageAttachment, StoredMessage } from '../../common/contract';

export class RoomSummaryDto {
  @ApiProperty({ example: 'general' })
  room: string;

  @ApiProperty({ description: 'Distinct users connected in the room, across nodes', example: 12 })
  online: number;

  @ApiProperty({ description: 'Epoch ms of the newest stored message; null when the room has none', nullable: true, type: Number, example: 1700000000000 })
  lastMessageAt: number | null;
}

export class PresenceUserDto {
  @ApiProperty({ example: 'alice' })
  userId: string;

  @ApiProperty({ example: 'Alice', nullable: true, type: String, description: "The token's name claim, null without one" })
  name: string | null;

  @ApiProperty({ description: 'Connections of this user in the room, across nodes', example: 2 })
  connections: number;
}

export class PresenceDto {
  @ApiProperty({ type: [PresenceUserDto] })
  users: PresenceUserDto[];
}

/**
 * The contract's `Message` as OpenAPI describes it. The contract type is the source; `SameKeys` below fails the
 * build when either gains a field the other lacks, and `implements` when a field's type differs.
 */
export class MessageDto implements StoredMessage {
  @ApiProperty({ example: '1700000000000-0' })
  id: string;

  @ApiProperty({ example: 'general' })
  room: string;

  @ApiProperty({ example: 'alice' })
  userId: string;

  @ApiPropertyOptional({ example: 'Alice' })
  name?: string;

  @ApiProperty({ description: 'Plain text, never interpreted as HTML', example: 'hello' })
  content: string;

  @ApiProperty({ description: 'Epoch ms', example: 1700000000000 })
  createdAt: number;

  @ApiPropertyOptional()
  clientMsgId?: string;

  @ApiPropertyOptional({ description: 'Id of the message this one replies to' })
  replyTo?: string;

  @ApiPropertyOptional({ description: 'Epoch ms of the latest edit' })
  editedAt?: number;

  @ApiPropertyOptional({ description: 'Reaction counts by emoji', example: { '👍': 3 } })
  reactions?: Record<string, number>;

  @ApiPropertyOptional({ description: 'User ids named as @userId in the content', type: [String] })
  mentions?: string[];

  @ApiPropertyOptional({ description: 'Files attached to the message, each with a time-limited download url', type: 'array', items: { type: 'object' } })
  attachments?: MessageAttachment[];

  @ApiPropertyOptional({ description: 'Replies to this message (thread roots only)' })
  replyCount?: number;

  @ApiPropertyOptional({ description: 'Epoch ms of the latest reply (thread roots only)' })
  lastReplyAt?: number;
}

type SameKeys<A, B> = [Exclude<keyof A, keyof B>, Exclude<keyof B, keyof A>] extends [never, never] ? true : false;
type Assert<T extends true> = T;
export type MessageDtoMatchesContract = Assert<SameKeys<MessageDto, StoredMessage>>;

export class MessagesPageDto {
  @ApiProperty({ type: [MessageDto], description: 'Oldest first' })
  messages: MessageDto[];
}
