import { IntersectionType } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import { MessageContentDto } from './message-content.dto';
import { MESSAGE_ID_HINT, MESSAGE_ID_PATTERN } from '../../common/validation-patterns';
import { RoomDto } from '../../rooms/dto/room.dto';

export class SendMessageDto extends IntersectionType(RoomDto, MessageContentDto) {
  @IsOptional()
  @Matches(MESSAGE_ID_PATTERN, { message: `replyTo ${MESSAGE_ID_HINT}` })
  replyTo?: string;
}
