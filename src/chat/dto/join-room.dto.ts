import { IsOptional, Matches } from 'class-validator';
import { RoomDto } from '../../rooms/dto/room.dto';
import { MESSAGE_ID_HINT, MESSAGE_ID_PATTERN } from '../../common/validation-patterns';

export class JoinRoomDto extends RoomDto {
  /** The last message id the client has seen: the ack carries everything after it. */
  @IsOptional()
  @Matches(MESSAGE_ID_PATTERN, { message: `since ${MESSAGE_ID_HINT}` })
  since?: string;
}
