import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { HandshakeRefusal } from '../common/handshake-error';
import { clientAddressKey, compileTrust, TrustFunction } from '../common/client-address';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { ConnectionDirectory } from '../realtime/connection-directory';
import { ConnectionRegistry } from './connection.registry';
import { throttleTrackers } from './keys';
import { RateLimitReporter } from './rate-limit.reporter';
import { RedisThrottlerStorage } from './redis-throttler.storage';

/** Leases are renewed three times per lease, so one missed renewal (a Redis blip) loses nothing. */
const RENEWALS_PER_LEASE = 3;

/**
 * The handshake's limits, steps of the handshake pipeline: handshakes per client address (before the token,
 * so a flood of bad tokens is stopped before it costs a verification) and concurrent connections per user
 * across the cluster (after it). Both refuse with `connect_error` `message: "rate_limited"`.
 * A user's connections are leases that this node renews while it holds them: a node that dies without
 * cleaning up stops counting once its leases run out (PRESENCE_TTL_SEC).
 */
@Injectable()
export class HandshakeLimits implements OnApplicationShutdown {
  private readonly logger = new Logger(HandshakeLimits.name);
  private readonly trust: TrustFunction;
  private readonly leaseMs: number;
  private renewTimer?: NodeJS.Timeout;

  constructor(
    private readonly storage: RedisThrottlerStorage,
    private readonly registry: ConnectionRegistry,
    private readonly connections: ConnectionDirectory,
    private readonly limits: RateLimitReporter,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.trust = compileTrust(config.trustProxy);
    this.leaseMs = config.presenceTtlSec * 1000;
  }

  get isAddressRateLimited(): boolean {
    return this.config.handshakeLimitPerIp.limit > 0;
  }

  get isConnectionCountLimited(): boolean {
    return this.config.maxConnectionsPerUser > 0;
  }

  onApplicationShutdown(): void {
    clearInterval(this.renewTimer);
  }

  /**
   * The address a handshake is counted against: the nearest hop not trusted to forward, an IPv6 one as its /64.
   * Refused handshakes are aggregated in the audit trail by the same key, so that rotating addresses inside
   * one /64 (or behind one trusted proxy) is one client there too.
   */
  addressKeyOf(request: IncomingMessage): string {
    return clientAddressKey(request, this.trust);
  }

  async checkAddressRate(request: IncomingMessage): Promise<void> {
    const { limit, ttlMs } = this.config.handshakeLimitPerIp;
    const address = this.addressKeyOf(request);
    const { isBlocked, msToBlockExpire } = await this.storage.hit(throttleTrackers.handshakes(address), ttlMs, limit, ttlMs, true);
    if (!isBlocked) return;
    this.limits.refused('handshakes_per_ip', { address }, msToBlockExpire);
    throw new HandshakeRefusal({
      code: 'rate_limited',
      reason: 'handshake_rate',
      message: `more than ${limit} connection attempts from this address; retry later`,
      retryAfterMs: msToBlockExpire,
    });
  }

  /**
   * Takes a lease for the connection, unless the user holds the most allowed already. Leases are taken with
   * the limit off too: they are how the cluster knows who is online (offline push).
   */
  async leaseConnection(userId: string, connectionId: string): Promise<void> {
    const max = this.config.maxConnectionsPerUser;
    if (!(await this.registry.admit(userId, connectionId, this.leaseMs, this.isConnectionCountLimited ? max : Number.MAX_SAFE_INTEGER))) {
      this.limits.refused('connections_per_user', { userId });
      throw new HandshakeRefusal({
        code: 'rate_limited',
        reason: 'too_many_connections',
        message: `at most ${max} connections per user; close one first`,
      });
    }
    this.startRenewing();
  }

  releaseConnection(userId: string, connectionId: string): void {
    this.registry.release(userId, connectionId).catch((error: Error) => this.logger.warn(`lease of ${connectionId} left to expire: ${error.message}`));
  }

  /** From the first admission on: by then the namespace exists. */
  private startRenewing(): void {
    if (this.renewTimer) return;
    this.renewTimer = setInterval(() => this.renewLeases(), this.leaseMs / RENEWALS_PER_LEASE);
    this.renewTimer.unref();
  }

  private renewLeases(): void {
    const connectionIdsByUser = new Map<string, string[]>();
    for (const { id, user } of this.connections.allLocalConnections()) {
      const connectionIds = connectionIdsByUser.get(user.id);
      if (connectionIds) connectionIds.push(id);
      else connectionIdsByUser.set(user.id, [id]);
    }
    const renewals = [...connectionIdsByUser].map(([userId, connectionIds]) => this.registry.renew(userId, connectionIds, this.leaseMs));
    void Promise.allSettled(renewals).then((results) => {
      const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
      if (failure) this.logger.warn(`connection leases not renewed: ${(failure.reason as Error).message}`);
    });
  }
}
