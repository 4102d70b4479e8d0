import { IntersectionType } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsOptional, Matches } from 'class-validator';
import { MessageContentDto } from './message-content.dto';
import { MESSAGE_ID_HINT, MESSAGE_ID_PATTERN } from '../../common/validation-patterns';
import { RoomDto } from '../../rooms/dto/room.dto';
import { MAX_ATTACHMENTS_PER_MESSAGE } from '../../attachments/attachment-rules';

/** What `attachment:create` answers as `attachmentId`: base64url. */
const ATTACHMENT_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export class SendMessageDto extends IntersectionType(RoomDto, MessageContentDto) {
  @IsOptional()
  @Matches(MESSAGE_ID_PATTERN, { message: `replyTo ${MESSAGE_ID_HINT}` })
  replyTo?: string;

  /** Ids from `attachment:create`, uploaded; with them, `content` may be empty. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_ATTACHMENTS_PER_MESSAGE)
  @Matches(ATTACHMENT_ID_PATTERN, { each: true, message: 'each attachment must be an attachmentId from attachment:create' })
  attachments?: string[];
}
