import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, IsUUID, Length, Matches, Max, Min } from 'class-validator';
import { ROOM_NAME_PATTERN } from '../../common/contract';
import { ROOM_NAME_HINT, USER_ID_HINT, USER_ID_PATTERN } from '../../common/validation-patterns';
import { RETENTION_MAX_SECONDS } from '../../config/app-config';
import { REASON_MAX_LENGTH } from '../../moderation/dto/moderation-bodies.dto';

export class RetentionDto {
  @ApiProperty({ description: 'Messages older than this are removed with what hangs on them', minimum: 1, maximum: RETENTION_MAX_SECONDS, example: 31_536_000 })
  @IsInt()
  @Min(1)
  @Max(RETENTION_MAX_SECONDS)
  maxAgeSeconds: number;
}

export class RetentionPolicyDto extends RetentionDto {
  @ApiProperty({ example: 'general' })
  room: string;
}

export class NewHoldDto {
  @ApiPropertyOptional({
    description: 'Hold every message of this room (exactly one of room and userId)',
    pattern: ROOM_NAME_PATTERN.source,
    example: 'deal-42',
  })
  @IsOptional()
  @Matches(ROOM_NAME_PATTERN, { message: `room ${ROOM_NAME_HINT}` })
  room?: string;

  @ApiPropertyOptional({ description: "Hold every message this user wrote, and the user's data (exactly one of room and userId)", example: 'alice' })
  @IsOptional()
  @Matches(USER_ID_PATTERN, { message: `userId ${USER_ID_HINT}` })
  userId?: string;

  @ApiProperty({ description: 'Why: the matter or case the hold serves', maxLength: REASON_MAX_LENGTH, example: 'litigation 2026-117' })
  @IsString()
  @Length(1, REASON_MAX_LENGTH)
  reason: string;
}

export class HoldDto {
  @ApiProperty({ example: '8c1d7f4e-2b7a-4e0b-9a55-2f1c3d9e7a10' })
  id: string;

  @ApiPropertyOptional({ example: 'deal-42' })
  room?: string;

  @ApiPropertyOptional({ example: 'alice' })
  userId?: string;

  @ApiProperty({ example: 'litigation 2026-117' })
  reason: string;

  @ApiProperty({ description: 'Epoch milliseconds', example: 1_764_000_000_000 })
  createdAt: number;

  @ApiProperty({ description: 'The admin who placed it', example: 'carol' })
  createdBy: string;
}

export class HoldsDto {
  @ApiProperty({ type: [HoldDto] })
  holds: HoldDto[];
}

export class HoldParamsDto {
  @ApiProperty({ example: '8c1d7f4e-2b7a-4e0b-9a55-2f1c3d9e7a10' })
  @IsUUID()
  id: string;
}

export class ExportQueryDto {
  @ApiProperty({ description: 'Room to export', pattern: ROOM_NAME_PATTERN.source, example: 'general' })
  @Matches(ROOM_NAME_PATTERN, { message: `room ${ROOM_NAME_HINT}` })
  room: string;

  @ApiPropertyOptional({ description: 'Only messages created at or after this time (epoch milliseconds)', example: 1_764_000_000_000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  from?: number;

  @ApiPropertyOptional({ description: 'Only messages created at or before this time (epoch milliseconds)', example: 1_765_000_000_000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  to?: number;
}
