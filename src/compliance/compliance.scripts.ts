import { join } from 'node:path';
import { defineScripts, script } from '../redis/scripts';

/** The sweeper lease's script (`scripts/acquire-lease.lua`). */
export const complianceScripts = defineScripts(join(__dirname, 'scripts'), {
  /** True: this node holds the lease now. */
  acquireLease: script<[lease: string], [nodeId: string, ttlMs: number], 0 | 1, boolean>({ file: 'acquire-lease.lua', decode: (held) => held === 1 }),
});
