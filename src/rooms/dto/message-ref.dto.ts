import { IsNotEmpty, IsString, Matches } from 'class-validator';
import { MESSAGE_ID_HINT, MESSAGE_ID_PATTERN } from '../../common/validation-patterns';
import { RoomDto } from './room.dto';

export class MessageRefDto extends RoomDto {
  @Matches(MESSAGE_ID_PATTERN, { message: `messageId ${MESSAGE_ID_HINT}` })
  messageId: string;
}

export class EditMessageDto extends MessageRefDto {
  @IsString()
  @IsNotEmpty()
  content: string;
}
