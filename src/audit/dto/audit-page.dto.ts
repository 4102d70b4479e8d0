import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class AuditTargetDto {
  @ApiPropertyOptional({ example: 'alice' })
  userId?: string;

  @ApiPropertyOptional({ example: 'general' })
  room?: string;

  @ApiPropertyOptional({ example: '1700000000000-0' })
  messageId?: string;
}

export class AuditEntryDto {
  @ApiProperty({ description: 'Entry id; sorts in recording order', example: '1700000000000-0' })
  id: string;

  @ApiProperty({ description: 'When, in epoch milliseconds', example: 1700000000000 })
  at: number;

  @ApiProperty({ description: 'Who acted: a user id, `anonymous` (no verified identity) or `system`', example: 'root' })
  actor: string;

  @ApiProperty({ description: 'What was done; see docs/ADMIN.md for the list', example: 'user.ban' })
  action: string;

  @ApiProperty({ type: AuditTargetDto })
  target: AuditTargetDto;

  @ApiProperty({ description: 'Action-specific: reason, duration, error code, connection counts', example: { durationSec: 3600, reason: 'spam' } })
  details: Record<string, unknown>;
}

export class AuditPageDto {
  @ApiProperty({ type: [AuditEntryDto], description: 'Newest first' })
  entries: AuditEntryDto[];

  @ApiPropertyOptional({ description: 'Present when older entries may match: pass it as `before` to read on', example: '1699999999999-0' })
  nextBefore?: string;
}
