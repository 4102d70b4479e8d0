import { IsBoolean } from 'class-validator';
import { RoomDto } from '../../rooms/dto/room.dto';

export class TypingDto extends RoomDto {
  @IsBoolean()
  isTyping: boolean;
}
