import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { MESSAGE_ID_HINT, MESSAGE_ID_PATTERN } from '../../common/validation-patterns';
import { RoomDto } from '../../rooms/dto/room.dto';

export const HISTORY_PAGE_MAX = 100;
export const HISTORY_PAGE_DEFAULT = 50;

export class HistoryQueryDto extends RoomDto {
  @IsOptional()
  @Matches(MESSAGE_ID_PATTERN, { message: `before ${MESSAGE_ID_HINT}` })
  before?: string;

  @IsOptional()
  @Matches(MESSAGE_ID_PATTERN, { message: `after ${MESSAGE_ID_HINT}` })
  after?: string;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(HISTORY_PAGE_MAX)
  limit?: number;
}
