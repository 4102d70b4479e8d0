import { join } from 'node:path';
import { REDIS_NOW_LUA } from '../redis/lua-snippets';
import { defineScripts, script } from '../redis/scripts';

export interface BudgetHit {
  totalHits: number;
  msToExpire: number;
  isBlocked: boolean;
  msToBlockExpire: number;
}

export interface BudgetGrant {
  granted: number;
  msToExpire: number;
}

/** The budget and connection-lease scripts (`scripts/*.lua`) and the decoding of their replies. */
export const throttleScripts = defineScripts(join(__dirname, 'scripts'), {
  hit: script<[hits: string, blocked: string], [windowMs: number, limit: number, blockMs: number], [number, number, 0 | 1, number], BudgetHit>({
    file: 'hit.lua',
    decode: ([totalHits, msToExpire, blocked, msToBlockExpire]) => ({ totalHits, msToExpire, isBlocked: blocked === 1, msToBlockExpire }),
  }),
  grant: script<[hits: string], [windowMs: number, limit: number, want: number], [number, number], BudgetGrant>({
    file: 'grant.lua',
    decode: ([granted, msToExpire]) => ({ granted, msToExpire }),
  }),
  /** False: the user holds `max` live leases already. */
  admitConnection: script<[connections: string], [socketId: string, leaseMs: number, max: number], 0 | 1, boolean>({
    file: 'admit-connection.lua',
    uses: [REDIS_NOW_LUA],
    decode: (admitted) => admitted === 1,
  }),
  countLiveConnections: script<[connections: string], [], number>({ file: 'count-live-connections.lua', uses: [REDIS_NOW_LUA] }),
  renewConnections: script<[connections: string], [leaseMs: number, ...socketIds: string[]], 1>({ file: 'renew-connections.lua', uses: [REDIS_NOW_LUA] }),
});
