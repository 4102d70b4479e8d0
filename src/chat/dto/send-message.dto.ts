import { IsNotEmpty, IsOptional, IsString, Length, Matches } from 'class-validator';
import { MESSAGE_ID_HINT, MESSAGE_ID_PATTERN } from './message-id';
import { RoomDto } from './room.dto';

/** Bounds an idempotency key: long enough for a UUID or a ULID with a device prefix. */
export const CLIENT_MSG_ID_MAX_LENGTH = 128;

export class SendMessageDto extends RoomDto {
  /** Plain text; its length limit (MESSAGE_MAX_LENGTH) is a rule of the service, answered `payload_too_large`. */
  @IsString()
  @IsNotEmpty()
  content: string;

  @IsOptional()
  @IsString()
  @Length(1, CLIENT_MSG_ID_MAX_LENGTH)
  clientMsgId?: string;

  @IsOptional()
  @Matches(MESSAGE_ID_PATTERN, { message: `replyTo ${MESSAGE_ID_HINT}` })
  replyTo?: string;
}
