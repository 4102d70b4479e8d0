import { getMetadataStorage, ValidationTypes } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';

export type JsonSchema = Record<string, unknown>;

/** Whether class-validator knows rules for this class: what makes a handler parameter the event's DTO. */
export function isValidatedDto(type: unknown): type is Function {
  return typeof type === 'function' && validationRulesOf(type).length > 0;
}

/**
 * The JSON Schema of a DTO, read from the class-validator rules the server validates payloads with, so that
 * the document cannot drift from the code. Rules without a schema equivalent are left to the description.
 */
export function dtoSchema(dto: Function): JsonSchema {
  const rulesByProperty = new Map<string, ValidationMetadata[]>();
  for (const rule of validationRulesOf(dto)) {
    rulesByProperty.set(rule.propertyName, [...(rulesByProperty.get(rule.propertyName) ?? []), rule]);
  }
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const [property, rules] of rulesByProperty) {
    properties[property] = rules.map(ruleSchema).reduce(mergeBounds, {});
    if (!rules.some((rule) => rule.type === ValidationTypes.CONDITIONAL_VALIDATION)) required.push(property);
  }
  return { type: 'object', properties, ...(required.length > 0 && { required }) };
}

/** Two rules may bound one property (`@IsNotEmpty` and `@Length(5, 10)`): the tighter bound holds. */
function mergeBounds(into: JsonSchema, rule: JsonSchema): JsonSchema {
  const merged = { ...into, ...rule };
  for (const key of ['minLength', 'minimum'] as const) {
    if (typeof into[key] === 'number' && typeof rule[key] === 'number') merged[key] = Math.max(into[key], rule[key]);
  }
  for (const key of ['maxLength', 'maximum'] as const) {
    if (typeof into[key] === 'number' && typeof rule[key] === 'number') merged[key] = Math.min(into[key], rule[key]);
  }
  return merged;
}

function validationRulesOf(dto: Function): ValidationMetadata[] {
  return getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false);
}

function ruleSchema({ name, constraints = [] }: ValidationMetadata): JsonSchema {
  const [first, second] = constraints as unknown[];
  switch (name) {
    case 'isString':
      return { type: 'string' };
    case 'isNotEmpty':
      return { minLength: 1 };
    case 'isLength':
      return { minLength: first, ...(second !== undefined && { maxLength: second }) };
    case 'minLength':
      return { minLength: first };
    case 'maxLength':
      return { maxLength: first };
    case 'matches':
      return { type: 'string', pattern: first instanceof RegExp ? first.source : String(first) };
    case 'isInt':
      return { type: 'integer' };
    case 'isNumber':
      return { type: 'number' };
    case 'min':
      return { minimum: first };
    case 'max':
      return { maximum: first };
    case 'isBoolean':
      return { type: 'boolean' };
    case 'isIn':
      return { enum: first };
    case 'isArray':
      return { type: 'array' };
    case 'isObject':
      return { type: 'object' };
    case undefined:
    default:
      return {};
  }
}
