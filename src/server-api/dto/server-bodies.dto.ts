import { ApiProperty, ApiPropertyOptional, IntersectionType, OmitType } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsOptional, IsString, Length, Matches, ValidateBy } from 'class-validator';
import { MessageContentDto } from '../../chat/dto/message-content.dto';
import { SendMessageDto } from '../../chat/dto/send-message.dto';
import { ROOM_NAME_PATTERN } from '../../common/contract';
import { ROOM_NAME_HINT, USER_ID_HINT, USER_ID_PATTERN } from '../../common/validation-patterns';

/** Rooms one broadcast may reach. */
export const BROADCAST_MAX_ROOMS = 100;
/** A notification's `data`, serialized as JSON, in bytes. */
export const NOTIFICATION_DATA_MAX_BYTES = 16 * 1024;
export const NOTIFICATION_TYPE_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;
export const SYSTEM_AUTHOR = 'system';

/** Who a server-published message is by: any user id, `system` unless given. */
class ServerAuthorDto {
  @ApiPropertyOptional({ description: `The author's user id; \`${SYSTEM_AUTHOR}\` when absent`, example: 'billing-bot' })
  @IsOptional()
  @Matches(USER_ID_PATTERN, { message: `userId ${USER_ID_HINT}` })
  userId?: string;

  @ApiPropertyOptional({ description: 'Display name shown with the message', example: 'Billing' })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  name?: string;
}

/** `POST /server/rooms/:room/messages`: what a client's `message:send` carries but attachments (a service has no upload of its own), the room from the path, and an author. */
export class ServerMessageDto extends IntersectionType(OmitType(SendMessageDto, ['room', 'attachments'] as const), ServerAuthorDto) {}

/** `POST /server/broadcast`: one message in each room. */
export class ServerBroadcastDto extends IntersectionType(MessageContentDto, ServerAuthorDto) {
  @ApiProperty({ description: `1 to ${BROADCAST_MAX_ROOMS} distinct room names`, type: [String], example: ['general', 'support'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(BROADCAST_MAX_ROOMS)
  @ArrayUnique()
  @Matches(ROOM_NAME_PATTERN, { each: true, message: `each room ${ROOM_NAME_HINT}` })
  rooms: string[];
}

export class NotifyDto {
  @ApiProperty({ description: '1 to 64 characters of A-Z a-z 0-9 _ . : -', pattern: NOTIFICATION_TYPE_PATTERN.source, example: 'invoice.paid' })
  @Matches(NOTIFICATION_TYPE_PATTERN, { message: 'type must be 1 to 64 characters of A-Z a-z 0-9 _ . : -' })
  type: string;

  @ApiProperty({ description: `Any JSON value, at most ${NOTIFICATION_DATA_MAX_BYTES} bytes serialized (413 beyond)`, example: { invoiceId: 'inv-42' } })
  @ValidateBy({
    name: 'isPresent',
    validator: { validate: (value) => value !== undefined, defaultMessage: () => 'data is required: any JSON value, null included' },
  })
  data: unknown;
}

export class DisconnectDto {
  @ApiPropertyOptional({
    description: 'Why, for the audit trail; clients hear `session { reason: "disconnected" }` whatever it is',
    example: 'account suspended',
  })
  @IsOptional()
  @IsString()
  @Length(1, 256)
  reason?: string;
}
