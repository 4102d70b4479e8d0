import { IsOptional, IsString, Length } from 'class-validator';

/** Bounds an idempotency key: long enough for a UUID or a ULID with a device prefix. */
export const CLIENT_MSG_ID_MAX_LENGTH = 128;

/** What every new message carries, in a room (`message:send`) or to a user (`dm:send`). */
export class MessageContentDto {
  /**
   * Plain text; its length limit (MESSAGE_MAX_LENGTH) is a rule of the service, answered `payload_too_large`, and
   * so is "not empty unless the message carries attachments" (`validation_failed`).
   */
  @IsString()
  content: string;

  @IsOptional()
  @IsString()
  @Length(1, CLIENT_MSG_ID_MAX_LENGTH)
  clientMsgId?: string;
}
