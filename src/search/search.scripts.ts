import { join } from 'node:path';
import { defineScripts, luaLibrary, script } from '../redis/scripts';

const SCRIPTS_DIR = join(__dirname, 'scripts');

/**
 * The room's index lives no longer than its messages: a documents hash whose expiry lags the stream's by more than
 * this was renewed before the stream's latest renewal, and every posting of the room is renewed (apply-writes.lua).
 */
const RENEWAL_GAP_MS = 60_000;

/** `search_index(docs_key, prefix, id, terms, first, last)` and `search_unindex(docs_key, prefix, id)`. */
const INDEX_FUNCTIONS_LUA = luaLibrary(SCRIPTS_DIR, 'index-functions.lua');

/** The search scripts (`scripts/*.lua`) and the decoding of their replies. */
export const searchScripts = defineScripts(SCRIPTS_DIR, {
  applyWrites: script<[documents: string, stream: string], [postingsPrefix: string, ...writes: string[]], number>({
    file: 'apply-writes.lua',
    constants: { RENEWAL_GAP_MS },
    uses: [INDEX_FUNCTIONS_LUA],
  }),
  search: script<[documents: string, ...postings: string[]], [limit: number, walk: number], [cut: 0 | 1, flat: string[]], { isCut: boolean; flat: string[] }>({
    file: 'search-room.lua',
    decode: ([cut, flat]) => ({ isCut: cut === 1, flat }),
  }),
  /** 0: the search may run; else the milliseconds to wait. */
  takeTurn: script<[counter: string], [perSecond: number], number>({ file: 'take-search-turn.lua' }),
});
