import { ArgumentMetadata, Injectable, ValidationError, ValidationPipe } from '@nestjs/common';
import { ContractError } from './contract-error';

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

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
    const pollutingKey = findForbiddenKey(value, 0);
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

function findForbiddenKey(value: unknown, depth: number): string | undefined {
  if (typeof value !== 'object' || value === null || depth > 8) return undefined;
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_KEYS.has(key)) return key;
    const nested = findForbiddenKey((value as Record<string, unknown>)[key], depth + 1);
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
