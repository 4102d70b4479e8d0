import { Matches } from 'class-validator';
import { ROOM_NAME_PATTERN } from '../../common/contract';
import { ROOM_NAME_HINT } from '../../common/validation-patterns';

export class RoomDto {
  @Matches(ROOM_NAME_PATTERN, { message: `room ${ROOM_NAME_HINT}` })
  room: string;
}
