import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { IsDefined, IsString, ValidateNested, validateSync } from 'class-validator';
import { compileAcceptor } from './compiled-validation';
import { JoinRoomDto } from '../chat/dto/join-room.dto';
import { SendMessageDto } from '../chat/dto/send-message.dto';
import { DirectMessageDto } from '../chat/dto/direct-message.dto';
import { RoomDto } from '../rooms/dto/room.dto';
import { ReactionDto } from '../reactions/dto/reaction.dto';
import { TypingDto } from '../typing/dto/typing.dto';

type DtoClass = new () => object;

/** Every DTO class of the product: each `*.dto.ts` under src/, its exports ending in `Dto`. */
function allDtoClasses(): DtoClass[] {
  const classes = new Set<DtoClass>();
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) visit(path);
      else if (entry.name.endsWith('.dto.ts')) {
        for (const [name, exported] of Object.entries(require(path) as Record<string, unknown>)) {
          if (name.endsWith('Dto') && typeof exported === 'function') classes.add(exported as DtoClass);
        }
      }
    }
  };
  visit(join(__dirname, '..'));
  return [...classes];
}

/** class-validator's verdict with the pipe's options. */
function classValidatorAccepts(dto: DtoClass, payload: Record<string, unknown>): boolean {
  const instance = Object.setPrototypeOf({ ...payload }, dto.prototype) as object;
  return validateSync(instance, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: false }).length === 0;
}

function accepts(dto: DtoClass, payload: Record<string, unknown>): boolean {
  const acceptor = compileAcceptor(dto);
  if (!acceptor) throw new Error(`${dto.name} has no acceptor`);
  return acceptor(Object.setPrototypeOf({ ...payload }, dto.prototype) as Record<string, unknown>);
}

const VALUES: unknown[] = [
  undefined,
  null,
  true,
  0,
  1,
  -1,
  1.5,
  1e12,
  Number.NaN,
  '',
  ' ',
  'a',
  'general',
  'Bad room!',
  'x'.repeat(129),
  'y'.repeat(5000),
  '1700000000000-0',
  '1700000000000-0x',
  '👍',
  'start',
  'stop',
  'https://push.example/endpoint',
  'ab_-9',
  '@alice hi',
  [],
  ['a'],
  ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k'],
  [1],
  [null],
  {},
  { a: 1 },
  { p256dh: 'k', auth: 'a' },
];

/** Deterministic, so that a failure names a payload that fails again. */
function randomInts(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state;
  };
}

describe('compileAcceptor', () => {
  const dtos = allDtoClasses();

  it('finds the DTOs and compiles the hot events', () => {
    expect(dtos.length).toBeGreaterThan(20);
    for (const dto of [SendMessageDto, JoinRoomDto, RoomDto, DirectMessageDto, ReactionDto, TypingDto]) expect(compileAcceptor(dto)).toBeDefined();
  });

  it('never accepts what class-validator refuses, over every DTO and thousands of payloads', () => {
    const next = randomInts(7);
    let compiled = 0;
    let agreedAccepts = 0;
    for (const dto of dtos) {
      const acceptor = compileAcceptor(dto);
      if (!acceptor) continue;
      compiled++;
      const properties = Object.keys(validationPropertiesOf(dto));
      for (let round = 0; round < 400; round++) {
        const payload: Record<string, unknown> = {};
        for (const property of [...properties, 'unexpected']) {
          if (next() % (property === 'unexpected' ? 8 : 3) !== 0) continue;
          const value = VALUES[next() % VALUES.length];
          if (value !== undefined) payload[property] = value;
        }
        const instance = Object.setPrototypeOf({ ...payload }, dto.prototype) as Record<string, unknown>;
        if (!acceptor(instance)) continue;
        if (!classValidatorAccepts(dto, payload)) throw new Error(`${dto.name} acceptor passed ${JSON.stringify(payload)}, which class-validator refuses`);
        agreedAccepts++;
      }
    }
    expect(compiled).toBeGreaterThan(10);
    // the fuzz reaches the accepting side too, so the check above is not vacuous
    expect(agreedAccepts).toBeGreaterThan(100);
  });

  it.each([
    ['SendMessageDto', 'room and content', SendMessageDto, { room: 'general', content: 'hello' }],
    [
      'SendMessageDto',
      'every optional field, empty content',
      SendMessageDto,
      { room: 'general', content: '', clientMsgId: 'c-1', replyTo: '1700000000000-0', attachments: ['ab_-9'] },
    ],
    ['JoinRoomDto', 'since', JoinRoomDto, { room: 'general', since: '1700000000000-0' }],
    ['DirectMessageDto', 'to and content', DirectMessageDto, { to: 'bob', content: 'hi' }],
  ] as [string, string, DtoClass, Record<string, unknown>][])('accepts a valid %s payload (%s), as class-validator does', (_name, _case, dto, payload) => {
    expect(classValidatorAccepts(dto, payload)).toBe(true);
    expect(accepts(dto, payload)).toBe(true);
  });

  it.each([
    ['SendMessageDto', 'content not a string', SendMessageDto, { room: 'general', content: 42 }],
    ['SendMessageDto', 'content missing', SendMessageDto, { room: 'general' }],
    ['SendMessageDto', 'an unknown field', SendMessageDto, { room: 'general', content: 'hi', extra: 1 }],
    ['SendMessageDto', 'a bad room name', SendMessageDto, { room: 'Bad room!', content: 'hi' }],
    ['SendMessageDto', 'a bad attachment id', SendMessageDto, { room: 'general', content: 'hi', attachments: ['ok', 'not ok!'] }],
    ['SendMessageDto', 'attachments not an array', SendMessageDto, { room: 'general', content: 'hi', attachments: 'ok' }],
    ['JoinRoomDto', 'since not a message id', JoinRoomDto, { room: 'general', since: 'yesterday' }],
  ] as [string, string, DtoClass, Record<string, unknown>][])('leaves an invalid %s payload (%s) to class-validator', (_name, _case, dto, payload) => {
    expect(classValidatorAccepts(dto, payload)).toBe(false);
    expect(accepts(dto, payload)).toBe(false);
  });

  it('has no acceptor for a class with a rule it does not read (nested, IsDefined), which class-validator alone judges', () => {
    class Inner {
      @IsString()
      name!: string;
    }
    class WithNested {
      @ValidateNested()
      inner!: Inner;
    }
    class WithDefined {
      @IsDefined()
      value!: unknown;
    }
    expect(compileAcceptor(WithNested)).toBeUndefined();
    expect(compileAcceptor(WithDefined)).toBeUndefined();
  });
});

function validationPropertiesOf(dto: DtoClass): Record<string, true> {
  const { getMetadataStorage } = require('class-validator') as typeof import('class-validator');
  const metadatas = getMetadataStorage().getTargetValidationMetadatas(dto, '', false, false);
  return Object.fromEntries(metadatas.map((metadata) => [metadata.propertyName, true as const]));
}
