import { ArrayMaxSize, IsArray, ValidateBy, IsBoolean, IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { dtoSchema, modelSchema } from './asyncapi-dto-schema';

class ExampleDto {
  @Matches(/^[a-z]+$/)
  room: string;

  @IsString()
  @Length(5, 10)
  @IsNotEmpty()
  content: string;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @IsOptional()
  @IsBoolean()
  isTyping?: boolean;

  @IsOptional()
  @IsIn(['add', 'remove'])
  action?: string;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @Matches(/^[a-z]{1,64}$/, { each: true })
  attachments?: string[];
}

/** A rule with no schema of its own, described by `@ApiProperty`; a rule and the decorator on one property. */
class DocumentedDto {
  @ApiProperty({ type: 'object', description: 'a point', properties: { x: { type: 'integer' } }, required: ['x'] })
  @ValidateBy({ name: 'isPoint', validator: { validate: (value) => typeof value === 'object' } })
  point: { x: number };

  @ApiPropertyOptional({ description: 'how many', default: 5 })
  @IsOptional()
  @IsInt()
  count?: number;
}

class ReplyDto {
  @ApiProperty({ example: 'hi' })
  text: string;

  @ApiPropertyOptional({ type: Number, nullable: true, description: 'epoch ms' })
  editedAt?: number | null;
}

class ThreadDto {
  @ApiProperty({ type: [ReplyDto] })
  replies: ReplyDto[];

  @ApiProperty({ type: ReplyDto, nullable: true })
  latest: ReplyDto | null;
}

class Child extends ExampleDto {
  @IsString()
  extra: string;
}

describe('dtoSchema', () => {
  it('turns class-validator rules into JSON Schema, optional properties left out of required and unknown ones refused', () => {
    expect(dtoSchema(ExampleDto)).toEqual({
      type: 'object',
      properties: {
        room: { type: 'string', pattern: '^[a-z]+$' },
        content: { type: 'string', minLength: 5, maxLength: 10 },
        limit: { type: 'integer', minimum: 1, maximum: 100 },
        isTyping: { type: 'boolean' },
        action: { enum: ['add', 'remove'] },
        attachments: { type: 'array', maxItems: 10, items: { type: 'string', pattern: '^[a-z]{1,64}$' } },
      },
      required: ['room', 'content'],
      additionalProperties: false,
    });
  });

  it("takes what a rule cannot say from the property's @ApiProperty, the rules prevailing", () => {
    expect(dtoSchema(DocumentedDto)).toEqual({
      type: 'object',
      properties: {
        point: { type: 'object', description: 'a point', properties: { x: { type: 'integer' } }, required: ['x'] },
        count: { type: 'integer', default: 5, description: 'how many' },
      },
      required: ['point'],
      additionalProperties: false,
    });
  });

  it('includes inherited rules', () => {
    expect(Object.keys((dtoSchema(Child).properties as object) ?? {}).sort()).toEqual([
      'action',
      'attachments',
      'content',
      'extra',
      'isTyping',
      'limit',
      'room',
    ]);
  });
});

describe('modelSchema', () => {
  it('reads @ApiProperty into components, referencing nested classes, with null where nullable and required unless optional', () => {
    const components = {};
    expect(modelSchema(ThreadDto, components)).toEqual({ $ref: '#/components/schemas/Thread' });
    expect(components).toEqual({
      Thread: {
        type: 'object',
        properties: {
          replies: { type: 'array', items: { $ref: '#/components/schemas/Reply' } },
          latest: { oneOf: [{ $ref: '#/components/schemas/Reply' }, { type: 'null' }] },
        },
        required: ['replies', 'latest'],
      },
      Reply: {
        type: 'object',
        properties: { text: { type: 'string', examples: ['hi'] }, editedAt: { type: ['number', 'null'], description: 'epoch ms' } },
        required: ['text'],
      },
    });
  });
});
