import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { dtoSchema } from './asyncapi-dto-schema';

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

class Child extends ExampleDto {
  @IsString()
  extra: string;
}

describe('dtoSchema', () => {
  it('turns class-validator rules into JSON Schema, optional properties left out of required', () => {
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
    });
  });

  it('includes inherited rules', () => {
    expect(Object.keys((dtoSchema(Child).properties as object) ?? {}).sort()).toEqual(['action', 'attachments', 'content', 'extra', 'isTyping', 'limit', 'room']);
  });
});
