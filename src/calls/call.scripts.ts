import { join } from 'node:path';
import { defineScripts, script } from '../redis/scripts';

/** The invite script (`scripts/remember-invite.lua`). */
export const callScripts = defineScripts(join(__dirname, 'scripts'), {
  /** False: the call id belongs to another pair. */
  rememberInvite: script<[parties: string], [pair: string, ttlSec: number], 0 | 1, boolean>({
    file: 'remember-invite.lua',
    decode: (recorded) => recorded === 1,
  }),
});
