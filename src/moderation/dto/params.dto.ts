import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { ROOM_NAME_PATTERN } from '../../common/contract';
import { ROOM_NAME_HINT, USER_ID_HINT, USER_ID_PATTERN } from '../../common/validation-patterns';
import { RoomDto } from '../../rooms/dto/room.dto';

export class UserParamsDto {
  @ApiProperty({ description: "The `sub` of the user's tokens", example: 'alice' })
  @Matches(USER_ID_PATTERN, { message: `userId ${USER_ID_HINT}` })
  userId: string;
}

export class RoomUserParamsDto extends RoomDto {
  @ApiProperty({ description: "The `sub` of the user's tokens", example: 'alice' })
  @Matches(USER_ID_PATTERN, { message: `userId ${USER_ID_HINT}` })
  userId: string;
}

export const ROOMS_PAGE_MAX = 500;
export const ROOMS_PAGE_DEFAULT = 100;

export class RoomsPageQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: ROOMS_PAGE_MAX, default: ROOMS_PAGE_DEFAULT })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(ROOMS_PAGE_MAX)
  limit?: number;

  @ApiPropertyOptional({ description: 'The `X-Next-Cursor` of the previous page: rooms after this name', example: 'general' })
  @IsOptional()
  @Matches(ROOM_NAME_PATTERN, { message: `cursor ${ROOM_NAME_HINT}` })
  cursor?: string;
}
