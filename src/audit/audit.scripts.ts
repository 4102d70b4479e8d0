import { join } from 'node:path';
import { STREAM_ID_ORDER_LUA } from '../redis/lua-snippets';
import { defineScripts, luaLibrary, script } from '../redis/scripts';
import { AuditShare } from './audit-actions';
import { CHAINED_XADD_LUA } from './audit-chain';

const SCRIPTS_DIR = join(__dirname, 'scripts');
const MAIN_SHARE_LUA = luaLibrary(SCRIPTS_DIR, 'main-share.lua');

/** The append scripts (`scripts/*.lua`): each extends its share's hash chain (audit-chain.ts). */
export const auditScripts = defineScripts(SCRIPTS_DIR, {
  append: script<
    [stream: string, serverApiShare: string, chainHead: string],
    [maxEntries: number, share: AuditShare, actor: string, action: string, target: string, details: string],
    string
  >({ file: 'append.lua', uses: [STREAM_ID_ORDER_LUA, MAIN_SHARE_LUA, ...CHAINED_XADD_LUA] }),
  appendAggregated: script<
    [stream: string, aggregate: string, serverApiShare: string, chainHead: string, splices: string],
    [maxEntries: number, ttlSec: number, actor: string, action: string, details: string, target: string],
    string
  >({ file: 'append-aggregated.lua', uses: [STREAM_ID_ORDER_LUA, MAIN_SHARE_LUA, ...CHAINED_XADD_LUA] }),
});
