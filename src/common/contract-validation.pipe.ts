import { ArgumentMetadata, Injectable, ValidationError, ValidationPipe } from '@nestjs/common';
import { ContractError } from './contract-error';

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
/** Contract payloads are nearly flat; refusing deeper ones first bounds the work any payload can cost. */
const MAX_PAYLOAD_DEPTH = 8;

/**
 * class-validator with the contract's error: unknown properties are refused, and so is anything that is
 * not a plain JSON object, or carries keys that could reach an object's prototype.
 */
@Injectable()
export class ContractValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      validationError: { target: false, value: false },
      stopAtFirstError: true,
      exceptionFactory: (errors) => new ContractError('validation_failed', 'invalid payload', { fields: describe(errors) }),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'custom' || !metadata.metatype || !this.toValidate(metadata)) return value;
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
    return super.transform(value, metadata);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function exceedsDepth(value: unknown, levelsLeft: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (levelsLeft === 0) return true;
  return Object.values(value).some((child) => exceedsDepth(child, levelsLeft - 1));
}

function findForbiddenKey(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  for (const key of Object.keys(value)) {
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
