import { ApiProperty } from '@nestjs/swagger';
import { Matches } from 'class-validator';
import { ROOM_NAME_PATTERN } from '../../common/contract';
import { ROOM_NAME_HINT } from '../../common/validation-patterns';

/** A room, in a socket payload or a REST path alike. */
export class RoomDto {
  @ApiProperty({ description: 'Room name', pattern: ROOM_NAME_PATTERN.source, example: 'general' })
  @Matches(ROOM_NAME_PATTERN, { message: `room ${ROOM_NAME_HINT}` })
  room: string;
}
