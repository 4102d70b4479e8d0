import { ValidationArguments, ValidationTypes, getMetadataStorage } from 'class-validator';

/** The part of class-validator's metadata an acceptor reads; the package does not export these types. */
interface RuleMetadata {
  type: string;
  propertyName: string;
  constraints: unknown[];
  constraintCls: object;
  each?: boolean;
  validateIf?: (object: object, value: unknown) => boolean;
}
interface ConstraintMetadata {
  async: boolean;
  instance: { validate(value: unknown, validationArguments: ValidationArguments): unknown };
}
interface MetadataStorage {
  getTargetValidationMetadatas(target: unknown, schema: unknown, always: boolean, strictGroups: boolean, groups?: string[]): RuleMetadata[];
  getTargetValidatorConstraints(constraintCls: object): ConstraintMetadata[];
  groupByPropertyName(metadatas: RuleMetadata[]): Record<string, RuleMetadata[]>;
}

/** Answers true only for an instance that passes every rule of its class and has no field without one. */
export type Acceptor = (dto: Record<string, unknown>) => boolean;

const COMPILABLE = new Set<string>([ValidationTypes.CUSTOM_VALIDATION, ValidationTypes.CONDITIONAL_VALIDATION, ValidationTypes.WHITELIST]);

/**
 * A DTO's class-validator rules, read once, as one function. class-validator builds an error object for every
 * property and a list of metadata per check on every call, even when nothing is wrong: on `message:send` that
 * was a sixth of what the node allocated. The acceptor only says yes: a payload it does not accept goes to
 * class-validator, which names what is wrong, so the decorators stay the one statement of the rules and of their
 * messages. A class with a rule the acceptor does not read (nested objects, `@IsDefined`, async rules) gets
 * none and is always validated by class-validator.
 */
export function compileAcceptor(target: new () => object): Acceptor | undefined {
  const storage = getMetadataStorage() as unknown as MetadataStorage;
  // as class-validator asks for them when validating without groups
  const metadatas = storage.getTargetValidationMetadatas(target, undefined, false, false, undefined);
  if (metadatas.some((metadata) => !COMPILABLE.has(metadata.type))) return undefined;
  const properties = storage.groupByPropertyName(metadatas);
  const checks: ((dto: Record<string, unknown>) => boolean)[] = [];
  for (const [property, rules] of Object.entries(properties)) {
    const check = compileProperty(storage, target.name, property, rules);
    if (!check) return undefined;
    checks.push(check);
  }
  const allowed = new Set(Object.keys(properties));
  return (dto) => {
    for (const key in dto) if (!allowed.has(key)) return false;
    for (const check of checks) if (!check(dto)) return false;
    return true;
  };
}

function compileProperty(
  storage: MetadataStorage,
  targetName: string,
  property: string,
  metadatas: RuleMetadata[],
): ((dto: Record<string, unknown>) => boolean) | undefined {
  const conditions = metadatas
    .filter((metadata) => metadata.type === ValidationTypes.CONDITIONAL_VALIDATION)
    .map((metadata) => metadata.constraints[0] as (object: object, value: unknown) => boolean);
  const rules: { validate: ConstraintMetadata['instance']['validate']; validateIf?: RuleMetadata['validateIf']; each: boolean; args: ValidationArguments }[] =
    [];
  for (const metadata of metadatas.filter((candidate) => candidate.type === ValidationTypes.CUSTOM_VALIDATION)) {
    for (const constraint of storage.getTargetValidatorConstraints(metadata.constraintCls)) {
      if (constraint.async) return undefined;
      rules.push({
        validate: constraint.instance.validate.bind(constraint.instance),
        validateIf: metadata.validateIf,
        each: metadata.each ?? false,
        // reused: rules run synchronously, one at a time
        args: { targetName, property, object: {}, value: undefined, constraints: metadata.constraints },
      });
    }
  }
  return (dto) => {
    const value = dto[property];
    for (const condition of conditions) if (!condition(dto, value)) return true;
    for (const rule of rules) {
      if (rule.validateIf && !rule.validateIf(dto, value)) continue;
      rule.args.object = dto;
      rule.args.value = value;
      // anything but a plain `true` (a promise, a truthy object) is left to class-validator to judge
      if (rule.each && (Array.isArray(value) || value instanceof Set || value instanceof Map)) {
        for (const item of value instanceof Map ? value.values() : value) if (rule.validate(item, rule.args) !== true) return false;
      } else if (rule.validate(value, rule.args) !== true) {
        return false;
      }
    }
    return true;
  };
}
