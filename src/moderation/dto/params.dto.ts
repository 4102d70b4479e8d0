import { ApiProperty } from '@nestjs/swagger';
import { Matches } from 'class-validator';
import { USER_ID_HINT, USER_ID_PATTERN } from '../../common/validation-patterns';
import { RoomDto } from '../../rooms/dto/room.dto';

export class UserParamsDto {
  @ApiProperty({ description: 'The `sub` of the user\'s tokens', example: 'alice' })
  @Matches(USER_ID_PATTERN, { message: `userId ${USER_ID_HINT}` })
  userId: string;
}

export class RoomUserParamsDto extends RoomDto {
  @ApiProperty({ description: 'The `sub` of the user\'s tokens', example: 'alice' })
  @Matches(USER_ID_PATTERN, { message: `userId ${USER_ID_HINT}` })
  userId: string;
}
