import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Cluster, Redis } from 'ioredis';

/**
 * Lua scripts are `.lua` files in a `scripts/` folder beside the repository that owns their keys; each opens with a
 * header naming every KEYS[i], ARGV[i] and the reply. Every key a script touches comes in KEYS (Redis's script
 * contract: a Cluster client routes by them, and Redis checks them against the slot and the ACL user's patterns).
 * Where a script must reach keys named by ids it reads inside the script (a trimmed message's thread), it takes
 * their prefix in ARGV instead; that prefix carries the hash tag of its KEYS, so they share the slot, and the header
 * says so. The build copies the files beside the compiled code (nest-cli.json `assets`); they are read once, when
 * the module declaring them loads.
 */

export type ScriptArg = string | number;
export type ScriptClient = Redis | Cluster;

export interface ScriptSpec<Raw, Reply> {
  /** The script's file, in the folder given to `defineScripts`. */
  file: string;
  /** Lua functions shared by several scripts (`luaLibrary`), prepended in this order. */
  uses?: readonly string[];
  /**
   * Values the script reads as Lua constants (`local NAME = value`), so that a name Redis stores (a stream field
   * of the codec) or a bound shared with TypeScript is written once.
   */
  constants?: Readonly<Record<string, string | number>>;
  /** The reply as the repository speaks it: the one place that knows the script's reply codes. */
  decode?: (raw: Raw) => Reply;
}

/** A script's declaration, typed by its KEYS and ARGV (tuples, labelled) and its decoded reply. */
export interface ScriptDeclaration<Keys extends readonly string[], Args extends readonly ScriptArg[], Raw, Reply> extends ScriptSpec<Raw, Reply> {
  /** Types only: never set. */
  readonly types?: { keys: Keys; args: Args };
}

export interface Script<Keys extends readonly string[], Args extends readonly ScriptArg[], Reply> {
  /** The file, as declared. */
  readonly file: string;
  /** The whole source Redis runs: constants, libraries, then the file. */
  readonly lua: string;
  /** The script on `client` (EVALSHA; EVAL, or SCRIPT LOAD on a pipeline, when Redis does not hold it yet), decoded. */
  run(client: ScriptClient, keys: Keys, args: Args): Promise<Reply>;
}

export function script<Keys extends readonly string[], Args extends readonly ScriptArg[], Raw, Reply = Raw>(
  spec: ScriptSpec<Raw, Reply>,
): ScriptDeclaration<Keys, Args, Raw, Reply> {
  return spec;
}

/** Lua read from a file, to be prepended to scripts that use its functions. */
export function luaLibrary(dir: string, file: string): string {
  return readFileSync(join(dir, file), 'utf8');
}

type AnyDeclaration = ScriptDeclaration<any, any, any, any>;
export type Scripts<D extends Record<string, AnyDeclaration>> = {
  [N in keyof D]: D[N] extends ScriptDeclaration<infer Keys, infer Args, any, infer Reply> ? Script<Keys, Args, Reply> : never;
};

type ScriptCommand = (numberOfKeys: number, ...keysAndArgs: ScriptArg[]) => Promise<unknown>;

/** Every script loaded so far, by its command name (made of its source's hash): see `defineLoadedScripts`. */
const loaded = new Map<string, string>();

/**
 * Loads every declared script of `dir`. A script runs through ioredis `defineCommand` (EVALSHA, and on a pipeline,
 * auto-pipelining's included, SCRIPT LOAD first when Redis lacks it) on whichever client the repository chooses
 * (commands or admission).
 */
export function defineScripts<D extends Record<string, AnyDeclaration>>(dir: string, declarations: D): Scripts<D> {
  const scripts: Record<string, Script<string[], ScriptArg[], unknown>> = {};
  for (const [key, declaration] of Object.entries(declarations)) scripts[key] = load(dir, declaration);
  return scripts as Scripts<D>;
}

/**
 * Defines every script loaded so far on a new client, before its first command: an auto-pipeline copies the
 * client's scripts when it is made, so a script defined later in the same tick would be missing from it. Every
 * repository's scripts are loaded with its module, before any connection is made; one loaded later is defined on
 * its first run.
 */
export function defineLoadedScripts(client: ScriptClient): void {
  for (const [name, lua] of loaded) client.defineCommand(name, { lua });
}

function load(dir: string, { file, uses = [], constants = {}, decode }: ScriptSpec<unknown, unknown>): Script<string[], ScriptArg[], unknown> {
  const lua = [...Object.entries(constants).map(([name, value]) => `local ${name} = ${luaLiteral(name, value)}\n`), ...uses, readFileSync(join(dir, file), 'utf8')].join('');
  const name = `lua_${createHash('sha1').update(lua).digest('hex')}`;
  loaded.set(name, lua);
  const commandOf = (client: ScriptClient): ScriptCommand => {
    const commands = client as unknown as Record<string, ScriptCommand | undefined>;
    if (!commands[name]) client.defineCommand(name, { lua });
    return commands[name]!;
  };
  return {
    file,
    lua,
    run: decode
      ? (client, keys, args) => commandOf(client).call(client, keys.length, ...keys, ...args).then(decode)
      : (client, keys, args) => commandOf(client).call(client, keys.length, ...keys, ...args),
  };
}

function luaLiteral(name: string, value: string | number): string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`Lua constant ${name} must be a finite number`);
    return String(value);
  }
  if (!/^[\x20-\x7e]*$/.test(value)) throw new Error(`Lua constant ${name} must be printable ASCII`);
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
