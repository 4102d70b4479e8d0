import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { REDIS_COMMANDS } from '../redis/redis.tokens';
import { callScripts } from './call.scripts';
import { callKeys } from './keys';

/** The only code that knows the call keys: who the two users of each invited call are, for as long as it lasts. */
@Injectable()
export class CallRepository {
  constructor(@Inject(REDIS_COMMANDS) private readonly redis: Redis) {}

  /** False when the call id belongs to another pair. */
  rememberInvite(callId: string, userA: string, userB: string, ttlSec: number): Promise<boolean> {
    return callScripts.rememberInvite.run(this.redis, [callKeys.parties(callId)], [pairOf(userA, userB), ttlSec]);
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
