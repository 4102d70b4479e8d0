import { ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { HISTORY_PAGE_DEFAULT, HISTORY_PAGE_MAX, MESSAGE_ID_HINT, MESSAGE_ID_PATTERN } from '../../common/validation-patterns';
import { RoomDto } from '../../rooms/dto/room.dto';

/**
 * A page of history: `message:history` (with its room) and `GET /admin/rooms/:room/messages` (query string).
 * `@Type` converts the query string's text; socket payloads are JSON numbers already and skip it.
 */
export class HistoryPageDto {
  @ApiPropertyOptional({ description: 'Only messages older than this id', example: '1700000000000-0' })
  @IsOptional()
  @Matches(MESSAGE_ID_PATTERN, { message: `before ${MESSAGE_ID_HINT}` })
  before?: string;

  @ApiPropertyOptional({ description: 'Only messages newer than this id', example: '1699999999999-0' })
  @IsOptional()
  @Matches(MESSAGE_ID_PATTERN, { message: `after ${MESSAGE_ID_HINT}` })
  after?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: HISTORY_PAGE_MAX, default: HISTORY_PAGE_DEFAULT })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(HISTORY_PAGE_MAX)
  limit?: number;
}

export class HistoryQueryDto extends IntersectionType(RoomDto, HistoryPageDto) {}
