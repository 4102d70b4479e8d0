import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

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

export class MessageDto {
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
}

export class MessagesPageDto {
  @ApiProperty({ type: [MessageDto], description: 'Oldest first' })
  messages: MessageDto[];
}
