import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, Matches } from 'class-validator';
import { MESSAGE_ID_HINT, MESSAGE_ID_PATTERN } from '../../common/validation-patterns';
import { RoomDto } from './room.dto';

/** A message of a room, in a socket payload or a REST path alike. */
export class MessageRefDto extends RoomDto {
  @ApiProperty({ pattern: MESSAGE_ID_PATTERN.source, example: '1700000000000-0' })
  @Matches(MESSAGE_ID_PATTERN, { message: `messageId ${MESSAGE_ID_HINT}` })
  messageId: string;
}

export class EditMessageDto extends MessageRefDto {
  @IsString()
  @IsNotEmpty()
  content: string;
}
