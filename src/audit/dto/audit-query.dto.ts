import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { MESSAGE_ID_PATTERN } from '../../common/validation-patterns';

export const AUDIT_PAGE_MAX = 100;
export const AUDIT_PAGE_DEFAULT = 50;

export class AuditQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: AUDIT_PAGE_MAX, default: AUDIT_PAGE_DEFAULT })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(AUDIT_PAGE_MAX)
  limit?: number;

  @ApiPropertyOptional({ description: 'Only entries by this actor (a user id, `anonymous` or `system`)', example: 'root' })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  actor?: string;

  @ApiPropertyOptional({ description: 'Only entries of this action', example: 'user.ban' })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  action?: string;

  @ApiPropertyOptional({ description: "Only entries older than this entry id (the previous page's last id, or `nextBefore`)", example: '1700000000000-0' })
  @IsOptional()
  @Matches(MESSAGE_ID_PATTERN, { message: 'before must be an entry id such as 1700000000000-0' })
  before?: string;
}
