import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { HISTORY_PAGE_MAX, MESSAGE_ID_HINT, MESSAGE_ID_PATTERN } from '../../common/validation-patterns';
import { MessageRefDto } from '../../rooms/dto/message-ref.dto';

/** `message:replies`: a page of a root's thread, like a page of history. */
export class RepliesQueryDto extends MessageRefDto {
  @IsOptional()
  @Matches(MESSAGE_ID_PATTERN, { message: `after ${MESSAGE_ID_HINT}` })
  after?: string;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(HISTORY_PAGE_MAX)
  limit?: number;
}
