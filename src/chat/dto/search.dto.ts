import { IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { ROOM_NAME_PATTERN } from '../../common/contract';
import { ROOM_NAME_HINT } from '../../common/validation-patterns';
import { MAX_SEARCH_LIMIT } from '../../search/search.service';

export const SEARCH_PAGE_DEFAULT = 20;
/** Room for ten long words; the tokenizer uses at most ten anyway. */
const QUERY_MAX_LENGTH = 1000;

/** `message:search`: one room, or (without `room`) every room the user may read. */
export class SearchQueryDto {
  @IsString()
  @Length(1, QUERY_MAX_LENGTH)
  query: string;

  @IsOptional()
  @Matches(ROOM_NAME_PATTERN, { message: `room ${ROOM_NAME_HINT}` })
  room?: string;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_SEARCH_LIMIT)
  limit?: number;
}
