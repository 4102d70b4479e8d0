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
  /** The script on `client`, decoded. */
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

type ScriptCommand = (...keysAndArgs: ScriptArg[]) => Promise<unknown>;

/** The two commands a script whose number of keys varies runs as, on a Redis or a Cluster client alike. */
interface Evaluator {
  evalsha(sha: string, numberOfKeys: number, ...keysAndArgs: ScriptArg[]): Promise<unknown>;
  eval(lua: string, numberOfKeys: number, ...keysAndArgs: ScriptArg[]): Promise<unknown>;
}

/** Every script of a fixed number of keys loaded so far, by its command name: see `defineLoadedScripts`. */
const loaded = new Map<string, { lua: string; numberOfKeys: number }>();

/**
 * Loads every declared script of `dir`. The header's KEYS lines give the number of keys: a script with a fixed
 * number runs as an ioredis command (`defineCommand` with `numberOfKeys`: EVAL on a connection's first run, EVALSHA
 * after), whose first argument is its first key, by which a Cluster client's auto-pipelining groups it with the
 * commands of its slot. A script whose keys vary (`-- KEYS[n...]`) runs as a plain EVALSHA, grouped by its first key
 * as Redis's command table says, and as EVAL when Redis answers NOSCRIPT.
 */
export function defineScripts<D extends Record<string, AnyDeclaration>>(dir: string, declarations: D): Scripts<D> {
  const scripts: Record<string, Script<string[], ScriptArg[], unknown>> = {};
  for (const [key, declaration] of Object.entries(declarations)) scripts[key] = load(dir, declaration);
  return scripts as Scripts<D>;
}

/**
 * Defines every script of a fixed number of keys loaded so far on a new client, before its first command: an
 * auto-pipeline copies its client's scripts when it is made, so a script defined later in the same tick would be
 * missing from it. Every repository's scripts are loaded with its module, before any connection is made; one loaded
 * later is defined on its first run.
 */
export function defineLoadedScripts(client: ScriptClient): void {
  for (const [name, definition] of loaded) client.defineCommand(name, definition);
}

/** The number of keys the header declares (`-- KEYS[3]`), or 'variable' (`-- KEYS[2...]`). */
function keyCountOf(file: string, source: string): number | 'variable' {
  let count = 0;
  for (const line of source.split('\n')) {
    if (!line.startsWith('--')) break;
    const declared = /^-- KEYS\[(\d+)(\.\.\.)?\]/.exec(line);
    if (declared?.[2]) return 'variable';
    if (declared) count = Math.max(count, Number(declared[1]));
  }
  if (count === 0 && !source.startsWith('--')) throw new Error(`${file} has no header`);
  return count;
}

function load(dir: string, { file, uses = [], constants = {}, decode }: ScriptSpec<unknown, unknown>): Script<string[], ScriptArg[], unknown> {
  const source = readFileSync(join(dir, file), 'utf8');
  const lua = [...Object.entries(constants).map(([name, value]) => `local ${name} = ${luaLiteral(name, value)}\n`), ...uses, source].join('');
  const sha = createHash('sha1').update(lua).digest('hex');
  const numberOfKeys = keyCountOf(file, source);
  let evaluate: (client: ScriptClient, keys: string[], args: ScriptArg[]) => Promise<unknown>;
  if (numberOfKeys === 'variable') {
    evaluate = (client, keys, args) => {
      const redis = client as unknown as Evaluator;
      return redis.evalsha(sha, keys.length, ...keys, ...args).catch((error: Error) => {
        if (!error.message.startsWith('NOSCRIPT')) throw error;
        return redis.eval(lua, keys.length, ...keys, ...args);
      });
    };
  } else {
    const name = `lua_${sha}`;
    loaded.set(name, { lua, numberOfKeys });
    evaluate = (client, keys, args) => {
      if (keys.length !== numberOfKeys) return Promise.reject(new Error(`${file} takes ${numberOfKeys} keys, not ${keys.length}`));
      const commands = client as unknown as Record<string, ScriptCommand | undefined>;
      if (!commands[name]) client.defineCommand(name, { lua, numberOfKeys });
      return commands[name]!.call(client, ...keys, ...args);
    };
  }
  return { file, lua, run: decode ? (client, keys, args) => evaluate(client, keys, args).then(decode) : evaluate };
}

function luaLiteral(name: string, value: string | number): string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`Lua constant ${name} must be a finite number`);
    return String(value);
  }
  if (!/^[\x20-\x7e]*$/.test(value)) throw new Error(`Lua constant ${name} must be printable ASCII`);
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
