import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { REDIS_COMMANDS } from '../redis/redis.tokens';
import { callKeys } from './keys';

/**
 * KEYS[1]: a call's parties; ARGV: the pair, TTL (seconds). Records the pair of an invite unless the call id is
 * another pair's already (an invite cannot take over a call in progress); the same pair inviting again renews it.
 * Returns 1 recorded, 0 refused.
 */
const REMEMBER_INVITE_SCRIPT = `
local parties = redis.call('GET', KEYS[1])
if parties and parties ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 1`;

interface CallScripts {
  callRememberInvite(parties: string, pair: string, ttlSec: number): Promise<number>;
}

/** The only code that knows the call keys: who the two users of each invited call are, for as long as it lasts. */
@Injectable()
export class CallRepository {
  private readonly redis: Redis & CallScripts;

  constructor(@Inject(REDIS_COMMANDS) redis: Redis) {
    redis.defineCommand('callRememberInvite', { numberOfKeys: 1, lua: REMEMBER_INVITE_SCRIPT });
    this.redis = redis as Redis & CallScripts;
  }

  /** False when the call id belongs to another pair. */
  async rememberInvite(callId: string, userA: string, userB: string, ttlSec: number): Promise<boolean> {
    return (await this.redis.callRememberInvite(callKeys.parties(callId), pairOf(userA, userB), ttlSec)) === 1;
  }

  /** The two users of the call (renewing its TTL: a call lives while it signals), or undefined when none is known. */
  async partiesOf(callId: string, ttlSec: number): Promise<[string, string] | undefined> {
    const pair = await this.redis.getex(callKeys.parties(callId), 'EX', ttlSec);
    if (!pair) return undefined;
    const [a, b] = pair.split(' ');
    return [a, b];
  }
}

function pairOf(a: string, b: string): string {
  return a < b ? `${a} ${b}` : `${b} ${a}`;
}
