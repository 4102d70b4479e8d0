import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { luaLibrary } from '../redis/scripts';

const SCRIPTS_DIR = join(__dirname, 'scripts');

/**
 * The audit trail's hash chain (docs/COMPLIANCE.md): every entry carries `prev`, the hash of the entry before it
 * in its share, and `hash` = SHA-256 of `prev` and the entry's fields as stored. Redis's Lua has no SHA-256, so
 * the append scripts compute it with `scripts/sha256.lua`, inside the script that appends: the chain is extended
 * atomically, whatever the number of nodes writing; the verification recomputes it here with node:crypto.
 */

/** What a link's hash covers, in this order, joined by newlines: exactly the stored strings. */
export interface ChainedFields {
  prev: string;
  actor: string;
  action: string;
  target: string;
  details: string;
}

export function linkHash({ prev, actor, action, target, details }: ChainedFields): string {
  return createHash('sha256').update([prev, actor, action, target, details].join('\n'), 'utf8').digest('hex');
}

/** `sha256_hex(s)` in Lua (`scripts/sha256.lua`), for the append scripts. */
export const SHA256_LUA = luaLibrary(SCRIPTS_DIR, 'sha256.lua');

/** `chained_xadd(stream, head, maxlen_args, actor, action, target, details)`, with SHA256_LUA before it. */
export const CHAINED_XADD_LUA = [SHA256_LUA, luaLibrary(SCRIPTS_DIR, 'chained-xadd.lua')] as const;
