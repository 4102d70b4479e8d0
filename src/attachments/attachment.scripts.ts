import { join } from 'node:path';
import { defineScripts, script } from '../redis/scripts';

/** Lifetimes in ms after a renewal: -2 gone, -1 kept without expiry. */
export interface ClaimedLifetime {
  metadataTtlMs: number;
  streamTtlMs: number;
}

/** The attachment scripts (`scripts/*.lua`) and the decoding of their replies. */
export const attachmentScripts = defineScripts(join(__dirname, 'scripts'), {
  /** The index (0-based) among the metadata keys of the first that could not be claimed; undefined: all claimed. */
  attach: script<[stream: string, ...metadata: string[]], [owner: string, roomLifetimeMs: number, refreshSlackMs: number], number, number | undefined>({
    file: 'attach.lua',
    decode: (failed) => (failed === 0 ? undefined : failed - 1),
  }),
  renewClaimed: script<[metadata: string, stream: string], [], [number, number], ClaimedLifetime>({
    file: 'renew-claimed.lua',
    decode: ([metadataTtlMs, streamTtlMs]) => ({ metadataTtlMs, streamTtlMs }),
  }),
  /** False: the bytes would pass the quota, and nothing was counted. */
  chargeQuota: script<[dailyCounter: string], [bytes: number, quota: number, ttlSec: number], 0 | 1, boolean>({
    file: 'charge-quota.lua',
    decode: (counted) => counted === 1,
  }),
});
