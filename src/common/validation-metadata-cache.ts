import { getMetadataStorage } from 'class-validator';

type ValidationMetadata = object;
interface MetadataStorage {
  getTargetValidationMetadatas(target: unknown, schema: unknown, always: boolean, strictGroups: boolean, groups?: string[]): ValidationMetadata[];
  groupByPropertyName(metadatas: ValidationMetadata[]): Record<string, ValidationMetadata[]>;
  addValidationMetadata(metadata: ValidationMetadata): void;
  addConstraintMetadata(metadata: ValidationMetadata): void;
}

let isInstalled = false;

/**
 * class-validator looks a DTO's rules up again on every validation, walking every registered class to find
 * its ancestors, then groups them by property: on a socket event that lookup cost as much as the checks.
 * The rules of a class never change once its decorators ran, so both answers are kept per class (and per
 * option set) and forgotten whenever any rule is registered. Validation itself is untouched.
 */
export function cacheValidationMetadata(): void {
  if (isInstalled) return;
  isInstalled = true;
  const storage = getMetadataStorage() as unknown as MetadataStorage;
  const lookUp = storage.getTargetValidationMetadatas.bind(storage);
  const group = storage.groupByPropertyName.bind(storage);
  const addValidation = storage.addValidationMetadata.bind(storage);
  const addConstraint = storage.addConstraintMetadata.bind(storage);
  let byTarget = new Map<unknown, Map<string, ValidationMetadata[]>>();
  let grouped = new WeakMap<ValidationMetadata[], Record<string, ValidationMetadata[]>>();
  const forget = () => {
    byTarget = new Map();
    grouped = new WeakMap();
  };

  storage.getTargetValidationMetadatas = (target, schema, always, strictGroups, groups) => {
    if (schema !== undefined || typeof target !== 'function') return lookUp(target, schema, always, strictGroups, groups);
    const optionsKey = `${always}|${strictGroups}|${groups?.join(',') ?? ''}`;
    let forTarget = byTarget.get(target);
    if (!forTarget) byTarget.set(target, (forTarget = new Map()));
    let metadatas = forTarget.get(optionsKey);
    if (!metadatas) forTarget.set(optionsKey, (metadatas = lookUp(target, schema, always, strictGroups, groups)));
    return metadatas;
  };
  storage.groupByPropertyName = (metadatas) => {
    let byProperty = grouped.get(metadatas);
    if (!byProperty) grouped.set(metadatas, (byProperty = group(metadatas)));
    return byProperty;
  };
  storage.addValidationMetadata = (metadata) => {
    forget();
    addValidation(metadata);
  };
  storage.addConstraintMetadata = (metadata) => {
    forget();
    addConstraint(metadata);
  };
}
