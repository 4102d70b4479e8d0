import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { HISTORY_PAGE_DEFAULT, HISTORY_PAGE_MAX } from '../../chat/dto/history.dto';
import { MESSAGE_ID_HINT, MESSAGE_ID_PATTERN } from '../../common/validation-patterns';

export class MessagesQueryDto {
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
