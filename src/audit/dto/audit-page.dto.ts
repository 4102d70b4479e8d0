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

  @ApiPropertyOptional({
    description: "SHA-256 link of the hash chain: of the previous entry's hash and this entry's fields (docs/COMPLIANCE.md)",
    example: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
  })
  hash?: string;
}

export class AuditVerificationDto {
  @ApiProperty({ description: 'Every link holds' })
  ok: boolean;

  @ApiProperty({ description: 'Entries whose link was checked', example: 1200 })
  entries: number;

  @ApiPropertyOptional({ description: 'The first entry whose link does not hold: changed, or following a removed entry', example: '1700000000000-0' })
  brokenAt?: string;
}

export class AuditPageDto {
  @ApiProperty({ type: [AuditEntryDto], description: 'Newest first' })
  entries: AuditEntryDto[];

  @ApiPropertyOptional({ description: 'Present when older entries may match: pass it as `before` to read on', example: '1699999999999-0' })
  nextBefore?: string;
}
