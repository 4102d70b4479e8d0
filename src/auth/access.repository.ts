import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { REDIS_ADMISSION, REDIS_COMMANDS } from '../redis/redis.tokens';
import { accessKeys } from './keys';

export interface UserAccessState {
  bannedUntilMs?: number;
  banReason?: string;
  tokensRevokedAtSec?: number;
}

const FOREVER = 'forever';

/** Token blacklist, per-user revocations and bans: the state that decides whether a valid token may connect. */
@Injectable()
export class AccessRepository {
  /** The reads are a step of every handshake, on its connection. */
  constructor(
    @Inject(REDIS_COMMANDS) private readonly redis: Redis,
    @Inject(REDIS_ADMISSION) private readonly admission: Redis,
  ) {}

  /** Erasure: the user's ban and revocation marker go with the rest of what names the user. */
  async forgetUser(userId: string): Promise<void> {
    await this.redis.del(accessKeys.userBan(userId), accessKeys.userTokensRevokedAt(userId));
  }

  async isTokenRevoked(jti: string): Promise<boolean> {
    return (await this.admission.exists(accessKeys.revokedToken(jti))) === 1;
  }

  /** Kept only until the token would have expired anyway. */
  async revokeToken(jti: string, expiresAtSec: number): Promise<void> {
    const ttlMs = expiresAtSec * 1000 - Date.now();
    if (ttlMs > 0) await this.redis.set(accessKeys.revokedToken(jti), '1', 'PX', ttlMs);
  }

  async userAccess(userId: string): Promise<UserAccessState> {
    const [ban, revokedAt] = await Promise.all([this.admission.get(accessKeys.userBan(userId)), this.admission.get(accessKeys.userTokensRevokedAt(userId))]);
    const state: UserAccessState = {};
    if (ban) {
      const parsed = JSON.parse(ban) as { until: number | typeof FOREVER; reason?: string };
      state.bannedUntilMs = parsed.until === FOREVER ? Number.POSITIVE_INFINITY : parsed.until;
      state.banReason = parsed.reason;
    }
    if (revokedAt) state.tokensRevokedAtSec = Number(revokedAt);
    return state;
  }

  /** Whether the user is banned now: one read, for callers that need no more of the access state. */
  async isBanned(userId: string): Promise<boolean> {
    const ban = await this.redis.get(accessKeys.userBan(userId));
    if (!ban) return false;
    const { until } = JSON.parse(ban) as { until: number | typeof FOREVER };
    return until === FOREVER || until > Date.now();
  }

  async ban(userId: string, durationSec: number | undefined, reason: string | undefined): Promise<number | undefined> {
    const until = durationSec ? Date.now() + durationSec * 1000 : undefined;
    const value = JSON.stringify({ until: until ?? FOREVER, reason });
    if (durationSec) await this.redis.set(accessKeys.userBan(userId), value, 'EX', durationSec);
    else await this.redis.set(accessKeys.userBan(userId), value);
    return until;
  }

  async unban(userId: string): Promise<boolean> {
    return (await this.redis.del(accessKeys.userBan(userId))) === 1;
  }

  /** Tokens issued at or before this second are refused. Kept for good: tokens may be long-lived. */
  async revokeUserTokens(userId: string, nowSec: number): Promise<void> {
    await this.redis.set(accessKeys.userTokensRevokedAt(userId), String(nowSec));
  }
}
