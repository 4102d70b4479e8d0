/** The keys a type names, without those of an index signature (`Record<string, never>` names none). */
type KnownKeys<T> = keyof { [K in keyof T as string extends K ? never : number extends K ? never : K]: T[K] };

/**
 * Whether a class (a DTO) and a contract type describe one payload: the same keys, each required in both or
 * optional in both, of types assignable both ways (so `name?: string` and `name: string | null` differ).
 * What ties the DTOs, from which the documents are generated, to the types clients compile against.
 */
export type Conforms<Dto, Contract> = [KnownKeys<Dto>] extends [KnownKeys<Contract>]
  ? [KnownKeys<Contract>] extends [KnownKeys<Dto>]
    ? [KnownKeys<Contract>] extends [never]
      ? true
      : [Dto] extends [Contract]
        ? [Contract] extends [Dto]
          ? true
          : false
        : false
    : false
  : false;
