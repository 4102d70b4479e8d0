import { getMetadataStorage, ValidationTypes } from 'class-validator';
import { DECORATORS } from '@nestjs/swagger';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';

export type JsonSchema = Record<string, unknown>;

/**
 * The JSON Schema of a DTO, read from the class-validator rules the server validates payloads with, so that
 * the document cannot drift from the code. What a rule cannot say (a custom validator's shape, a description)
 * comes from the property's `@ApiProperty`, where it has one; the rules prevail and alone decide what is required.
 */
export function dtoSchema(dto: Function, components: Record<string, JsonSchema> = {}): JsonSchema {
  const rulesByProperty = new Map<string, ValidationMetadata[]>();
  for (const rule of validationRulesOf(dto)) {
    rulesByProperty.set(rule.propertyName, [...(rulesByProperty.get(rule.propertyName) ?? []), rule]);
  }
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const [property, rules] of rulesByProperty) {
    const items = rules
      .filter((rule) => rule.each)
      .map(ruleSchema)
      .reduce(mergeBounds, {});
    const schema = rules
      .filter((rule) => !rule.each)
      .map(ruleSchema)
      .reduce(mergeBounds, {});
    // `each: true` rules check an array's items, not the array
    const validated = Object.keys(items).length > 0 ? { ...schema, type: 'array', items } : schema;
    const documented: ApiPropertyMetadata | undefined = Reflect.getMetadata(DECORATORS.API_MODEL_PROPERTIES, dto.prototype, property);
    properties[property] = documented ? { ...propertySchema(documented, components), ...validated } : validated;
    if (!rules.some((rule) => rule.type === ValidationTypes.CONDITIONAL_VALIDATION)) required.push(property);
  }
  // the validation refuses any field without a rule
  return { type: 'object', properties, ...(required.length > 0 && { required }), additionalProperties: false };
}

/** Two rules may bound one property (`@IsNotEmpty` and `@Length(5, 10)`): the tighter bound holds. */
function mergeBounds(into: JsonSchema, rule: JsonSchema): JsonSchema {
  const merged = { ...into, ...rule };
  for (const key of ['minLength', 'minimum', 'minItems'] as const) {
    if (typeof into[key] === 'number' && typeof rule[key] === 'number') merged[key] = Math.max(into[key], rule[key]);
  }
  for (const key of ['maxLength', 'maximum', 'maxItems'] as const) {
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
    case 'arrayMinSize':
      return { minItems: first };
    case 'arrayMaxSize':
      return { maxItems: first };
    case 'arrayUnique':
      return { uniqueItems: true };
    case 'isObject':
      return { type: 'object' };
    case undefined:
    default:
      return {};
  }
}

/** What `@ApiProperty` records of a property (Nest's swagger metadata), as far as a JSON Schema needs it. */
interface ApiPropertyMetadata extends JsonSchema {
  type?: unknown;
  isArray?: boolean;
  required?: boolean | string[];
  nullable?: boolean;
  example?: unknown;
}

/** OpenAPI-only keys that JSON Schema spells otherwise or has no use for. */
const NOT_SCHEMA_KEYS = new Set(['type', 'isArray', 'required', 'nullable', 'example', 'selfRequired', 'name', 'enumName']);

/**
 * The JSON Schema of a response DTO, read from the `@ApiProperty` decorators that the OpenAPI document is made
 * of too, so that REST and socket documents describe one class alike. A class is put into `components` by its
 * name without `Dto` and referenced from there; its properties are required unless `@ApiPropertyOptional`, and
 * `nullable` ones take `null` besides their type.
 */
export function modelSchema(model: Function, components: Record<string, JsonSchema>): JsonSchema {
  const name = model.name.replace(/Dto$/, '');
  if (!components[name]) {
    const keys: string[] = Reflect.getMetadata(DECORATORS.API_MODEL_PROPERTIES_ARRAY, model.prototype) ?? [];
    const properties: Record<string, JsonSchema> = {};
    const required: string[] = [];
    components[name] = { type: 'object', properties };
    for (const key of keys.map((entry) => entry.replace(/^:/, ''))) {
      const metadata: ApiPropertyMetadata = Reflect.getMetadata(DECORATORS.API_MODEL_PROPERTIES, model.prototype, key) ?? {};
      properties[key] = propertySchema(metadata, components);
      if (metadata.required !== false) required.push(key);
    }
    if (required.length > 0) components[name].required = required;
  }
  return { $ref: `#/components/schemas/${name}` };
}

function propertySchema(metadata: ApiPropertyMetadata, components: Record<string, JsonSchema>): JsonSchema {
  const keywords = Object.fromEntries(Object.entries(metadata).filter(([key, value]) => !NOT_SCHEMA_KEYS.has(key) && value !== undefined));
  const { description, ...rules } = keywords;
  let schema: JsonSchema = { ...typeSchema(metadata.type, components), ...rules };
  if (metadata.isArray) schema = { type: 'array', items: schema };
  if (metadata.nullable) schema = schema.$ref || !schema.type ? { oneOf: [schema, { type: 'null' }] } : { ...schema, type: [schema.type, 'null'] };
  // an object's own list of required properties, where `required` is no flag
  if (Array.isArray(metadata.required)) schema.required = metadata.required;
  return { ...schema, ...(description !== undefined && { description }), ...(metadata.example !== undefined && { examples: [metadata.example] }) };
}

function typeSchema(type: unknown, components: Record<string, JsonSchema>): JsonSchema {
  if (type === String) return { type: 'string' };
  if (type === Number) return { type: 'number' };
  if (type === Boolean) return { type: 'boolean' };
  if (type === Array) return { type: 'array' };
  if (typeof type === 'string') return { type };
  if (typeof type === 'function' && type !== Object && Reflect.hasMetadata(DECORATORS.API_MODEL_PROPERTIES_ARRAY, type.prototype))
    return modelSchema(type, components);
  // `unknown`, a Record or a union: any value unless the decorator says more
  return {};
}
