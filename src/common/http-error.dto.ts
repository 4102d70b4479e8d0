import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** The REST error body, for the OpenAPI document. */
export class HttpErrorDto {
  @ApiProperty({ example: 404 })
  statusCode: number;

  @ApiProperty({ example: 'Not Found' })
  error: string;

  @ApiProperty({
    description: 'What went wrong; for 400, one message per invalid field',
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    example: 'room general not found',
  })
  message: string | string[];

  @ApiPropertyOptional({ description: 'The contract error code, where one applies', example: 'not_found' })
  code?: string;
}
