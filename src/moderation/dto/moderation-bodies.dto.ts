import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { USER_ID_HINT, USER_ID_PATTERN } from '../../common/validation-patterns';

export const REASON_MAX_LENGTH = 500;
/** Ten years: longer than any sensible temporary measure, short enough to stay a duration. */
export const DURATION_MAX_SEC = 10 * 365 * 86_400;

export class KickDto {
  @ApiProperty({ example: 'alice' })
  @Matches(USER_ID_PATTERN, { message: `userId ${USER_ID_HINT}` })
  userId: string;

  @ApiPropertyOptional({ description: 'Shown to the user in the `moderation` event', maxLength: REASON_MAX_LENGTH, example: 'off topic' })
  @IsOptional()
  @IsString()
  @Length(1, REASON_MAX_LENGTH)
  reason?: string;
}

export class MuteDto extends KickDto {
  @ApiProperty({ description: 'Seconds until the mute lapses', minimum: 1, maximum: DURATION_MAX_SEC, example: 600 })
  @IsInt()
  @Min(1)
  @Max(DURATION_MAX_SEC)
  durationSec: number;
}

export class BanDto {
  @ApiPropertyOptional({
    description: 'Seconds until the ban lapses; without it the ban lasts until lifted',
    minimum: 1,
    maximum: DURATION_MAX_SEC,
    example: 86_400,
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(DURATION_MAX_SEC)
  durationSec?: number;

  @ApiPropertyOptional({
    description: 'Shown to the user in the `moderation` event and in the refused handshake',
    maxLength: REASON_MAX_LENGTH,
    example: 'spam',
  })
  @IsOptional()
  @IsString()
  @Length(1, REASON_MAX_LENGTH)
  reason?: string;
}
