import { ApiProperty } from '@nestjs/swagger';
import { Matches } from 'class-validator';
import { MESSAGE_ID_HINT, MESSAGE_ID_PATTERN, ROOM_NAME_HINT, USER_ID_HINT, USER_ID_PATTERN } from '../../common/validation-patterns';
import { ROOM_NAME_PATTERN } from '../../common/contract';


export class RoomParamsDto {
  @ApiProperty({ description: 'Room name', pattern: ROOM_NAME_PATTERN.source, example: 'general' })
  @Matches(ROOM_NAME_PATTERN, { message: `room ${ROOM_NAME_HINT}` })
  room: string;
}

export class MessageParamsDto extends RoomParamsDto {
  @ApiProperty({ pattern: MESSAGE_ID_PATTERN.source, example: '1700000000000-0' })
  @Matches(MESSAGE_ID_PATTERN, { message: `messageId ${MESSAGE_ID_HINT}` })
  messageId: string;
}

export class UserParamsDto {
  @ApiProperty({ description: 'The `sub` of the user\'s tokens', example: 'alice' })
  @Matches(USER_ID_PATTERN, { message: `userId ${USER_ID_HINT}` })
  userId: string;
}

export class RoomUserParamsDto extends RoomParamsDto {
  @ApiProperty({ description: 'The `sub` of the user\'s tokens', example: 'alice' })
  @Matches(USER_ID_PATTERN, { message: `userId ${USER_ID_HINT}` })
  userId: string;
}
