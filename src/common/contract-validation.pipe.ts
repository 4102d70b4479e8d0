import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { ValidationError, ValidatorOptions, getMetadataStorage, validateSync } from 'class-validator';
import { Acceptor, compileAcceptor } from './compiled-validation';
import { ContractError } from './contract-error';
import { cacheValidationMetadata } from './validation-metadata-cache';

cacheValidationMetadata();

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
/** Contract payloads are nearly flat; refusing deeper ones first bounds the work any payload can cost. */
const MAX_PAYLOAD_DEPTH = 8;

const VALIDATOR_OPTIONS: ValidatorOptions = {
  whitelist: true,
  forbidNonWhitelisted: true,
  stopAtFirstError: true,
  validationError: { target: false, value: false },
};
/**
 * For a DTO with no rules (an event that takes no fields) class-validator's `forbidUnknownValues` would refuse
 * every instance as an "unknown value"; the DTO is known here, so only the whitelist speaks: any field is
 * refused like an unknown field of any other event.
 */
const NO_FIELDS_OPTIONS: ValidatorOptions = { ...VALIDATOR_OPTIONS, forbidUnknownValues: false };
const NOT_DTOS = new Set<unknown>([String, Boolean, Number, Array, Object]);

/**
 * class-validator with the contract's error: unknown properties are refused, and so is anything that is not
 * a plain JSON object, nests deeper than a payload can, or carries keys that could reach a prototype.
 * Socket payloads are flat JSON, so the checked object itself becomes the DTO (its prototype set to the
 * DTO's) instead of a class-transformer copy, and validation runs synchronously: on `message:send` this
 * is most of what validation costs. A payload its DTO's compiled acceptor passes needs no more (compiled-validation.ts).
 */
@Injectable()
export class ContractValidationPipe implements PipeTransform {
  transform(value: unknown, { type, metatype }: ArgumentMetadata): unknown {
    if (type === 'custom' || typeof metatype !== 'function' || NOT_DTOS.has(metatype)) return value;
    const { takesNoFields, accepts } = rulesOf(metatype as new () => object);
    // a request that takes no fields may come with no payload at all
    if (takesNoFields && value === undefined) value = {};
    if (!isPlainObject(value)) {
      throw new ContractError('validation_failed', 'payload must be an object', { fields: {} });
    }
    if (exceedsDepth(value, MAX_PAYLOAD_DEPTH)) {
      throw new ContractError('validation_failed', `payload nested deeper than ${MAX_PAYLOAD_DEPTH} levels`, { fields: {} });
    }
    const pollutingKey = findForbiddenKey(value);
    if (pollutingKey) {
      throw new ContractError('validation_failed', `property ${pollutingKey} is not allowed`, { fields: { [pollutingKey]: ['not allowed'] } });
    }
    const dto = this.toDto(value, metatype as new () => object);
    if (accepts?.(dto as Record<string, unknown>)) return dto;
    const errors = validateSync(dto, takesNoFields ? NO_FIELDS_OPTIONS : VALIDATOR_OPTIONS);
    if (errors.length > 0) throw new ContractError('validation_failed', 'invalid payload', { fields: describe(errors) });
    return dto;
  }

  /** Socket payloads arrive as JSON of the right types already; the checked object itself becomes the DTO. */
  protected toDto(value: Record<string, unknown>, metatype: new () => object): object {
    return Object.setPrototypeOf(value, metatype.prototype) as object;
  }
}

/** What the pipe knows of a DTO class, worked out on its first payload. */
interface DtoRules {
  takesNoFields: boolean;
  /** Undefined where the class has rules the acceptor does not read: class-validator judges every payload. */
  accepts?: Acceptor;
}

const rulesByDto = new WeakMap<object, DtoRules>();

function rulesOf(metatype: new () => object): DtoRules {
  let rules = rulesByDto.get(metatype);
  if (!rules) {
    rules = {
      takesNoFields: getMetadataStorage().getTargetValidationMetadatas(metatype, '', true, false).length === 0,
      accepts: compileAcceptor(metatype),
    };
    rulesByDto.set(metatype, rules);
  }
  return rules;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Whether `value` nests deeper than `levels` objects or arrays (itself counting as one); recurses at most `levels`
 * deep, so it is safe on any input. for...in over plain JSON visits what Object.keys would, without an array per level.
 */
export function exceedsDepth(value: unknown, levelsLeft: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (levelsLeft === 0) return true;
  for (const key in value) if (exceedsDepth((value as Record<string, unknown>)[key], levelsLeft - 1)) return true;
  return false;
}

function findForbiddenKey(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  for (const key in value) {
    if (FORBIDDEN_KEYS.has(key)) return key;
    const nested = findForbiddenKey((value as Record<string, unknown>)[key]);
    if (nested) return `${key}.${nested}`;
  }
  return undefined;
}

function describe(errors: ValidationError[], path = ''): Record<string, string[]> {
  const fields: Record<string, string[]> = {};
  for (const error of errors) {
    const name = path + error.property;
    if (error.constraints) fields[name] = Object.values(error.constraints);
    if (error.children?.length) Object.assign(fields, describe(error.children, `${name}.`));
  }
  return fields;
}
