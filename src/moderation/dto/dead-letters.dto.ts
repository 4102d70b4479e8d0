import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';

export const DEAD_LETTERS_PAGE_DEFAULT = 50;

export class DeadLettersQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: DEAD_LETTERS_PAGE_DEFAULT })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
}

export class DeadLetterParamsDto {
  @ApiProperty({ description: 'The id of a failed delivery, as listed', example: '3f1c0d2a9e8b7c6d5e4f3a2b-9a8b7c6d5e4f3a2b1c0d9e8f' })
  @Matches(/^[0-9a-f]{24}-[0-9a-f]{24}$/, { message: 'id must be the id of a failed delivery as listed' })
  id: string;
}

export class WebhookEventDto {
  @ApiProperty({ description: 'Unique: receivers drop repeats by it' })
  id: string;
  @ApiProperty({ example: 'moderation.action' })
  type: string;
  @ApiProperty({ description: 'Epoch milliseconds' })
  at: number;
  @ApiProperty({ description: 'The data of the event, as documented per type' })
  data: unknown;
}

export class DeadLetterDto {
  @ApiProperty()
  id: string;
  @ApiProperty({ example: 'https://hooks.example.com/chat', description: 'Without its query string, fragment or credentials' })
  url: string;
  @ApiProperty({ type: [WebhookEventDto] })
  events: WebhookEventDto[];
  @ApiProperty({ description: 'Attempts made before giving up' })
  attempts: number;
  @ApiProperty({ example: 'answered 500', description: 'Why the last attempt failed; URLs in it without their query strings' })
  lastError: string;
  @ApiPropertyOptional({ description: 'Epoch milliseconds of the last attempt' })
  failedAt?: number;
}

export class DeadLettersDto {
  @ApiProperty({ type: [DeadLetterDto], description: 'Newest first' })
  deliveries: DeadLetterDto[];
}
