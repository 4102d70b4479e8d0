import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { normalizeIp } from '@nestjs/throttler';
import type { Socket } from 'socket.io';
import { HandshakeRefusal } from '../auth/handshake-error';
import { SocketAuthenticator } from '../auth/socket-authenticator';
import { clientAddress, compileTrust, TrustFunction } from '../common/client-address';
import type { ChatSocket } from '../realtime/chat-socket';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { ChatNamespace } from '../realtime/chat-namespace';
import { ConnectionRegistry } from './connection.registry';
import { throttleTrackers } from './keys';
import { RateLimitReporter } from './rate-limit.reporter';
import { RedisThrottlerStorage } from './redis-throttler.storage';

/** Leases are renewed three times per lease, so one missed renewal (a Redis blip) loses nothing. */
const RENEWALS_PER_LEASE = 3;

/**
 * The handshake's limits, checked in the authenticator's path: handshakes per client address (before the
 * token, so a flood of bad tokens is stopped before it costs a verification) and concurrent connections per
 * user across the cluster (after it). Both refuse with `connect_error` `message: "rate_limited"`.
 * A user's connections are leases that this node renews while it holds them: a node that dies without
 * cleaning up stops counting once its leases run out (PRESENCE_TTL_SEC).
 */
@Injectable()
export class HandshakeLimits implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(HandshakeLimits.name);
  private readonly trust: TrustFunction;
  private readonly leaseMs: number;
  private renewTimer?: NodeJS.Timeout;

  constructor(
    private readonly authenticator: SocketAuthenticator,
    private readonly storage: RedisThrottlerStorage,
    private readonly registry: ConnectionRegistry,
    private readonly namespace: ChatNamespace,
    private readonly limits: RateLimitReporter,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.trust = compileTrust(config.trustProxy);
    this.leaseMs = config.presenceTtlSec * 1000;
  }

  onModuleInit(): void {
    if (this.config.handshakeLimitPerIp.limit > 0) {
      this.authenticator.addCheck('beforeToken', (socket) => this.checkHandshakeRate(socket));
    }
    if (this.config.maxConnectionsPerUser > 0) {
      this.authenticator.addCheck('afterToken', (socket) => this.admitConnection(socket as ChatSocket));
    }
  }

  onApplicationShutdown(): void {
    clearInterval(this.renewTimer);
  }

  private async checkHandshakeRate(socket: Socket): Promise<void> {
    const { limit, ttlMs } = this.config.handshakeLimitPerIp;
    const address = normalizeIp(clientAddress(socket.request, this.trust));
    const { isBlocked, msToBlockExpire } = await this.storage.hit(throttleTrackers.handshakes(address), ttlMs, limit, ttlMs);
    if (!isBlocked) return;
    this.limits.refused('handshakes_per_ip', { address }, msToBlockExpire);
    throw new HandshakeRefusal({
      code: 'rate_limited',
      reason: 'handshake_rate',
      message: `more than ${limit} connection attempts from this address; retry later`,
      retryAfterMs: msToBlockExpire,
    });
  }

  private async admitConnection(socket: ChatSocket): Promise<void> {
    const userId = socket.data.user.id;
    const max = this.config.maxConnectionsPerUser;
    if (!(await this.registry.admit(userId, socket.id, this.leaseMs, max))) {
      this.limits.refused('connections_per_user', { userId });
      throw new HandshakeRefusal({
        code: 'rate_limited',
        reason: 'too_many_connections',
        message: `at most ${max} connections per user; close one first`,
      });
    }
    this.startRenewing();
    socket.once('disconnect', () => {
      this.registry.release(userId, socket.id).catch((error: Error) => this.logger.warn(`lease of ${socket.id} left to expire: ${error.message}`));
    });
  }

  /** From the first admission on: by then the namespace exists. */
  private startRenewing(): void {
    if (this.renewTimer) return;
    this.renewTimer = setInterval(() => this.renewLeases(), this.leaseMs / RENEWALS_PER_LEASE);
    this.renewTimer.unref();
  }

  private renewLeases(): void {
    const socketIdsByUser = new Map<string, string[]>();
    for (const socket of this.namespace.server.sockets.values() as Iterable<ChatSocket>) {
      const userId = socket.data.user.id;
      const socketIds = socketIdsByUser.get(userId);
      if (socketIds) socketIds.push(socket.id);
      else socketIdsByUser.set(userId, [socket.id]);
    }
    const renewals = [...socketIdsByUser].map(([userId, socketIds]) => this.registry.renew(userId, socketIds, this.leaseMs));
    void Promise.allSettled(renewals).then((results) => {
      const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
      if (failure) this.logger.warn(`connection leases not renewed: ${(failure.reason as Error).message}`);
    });
  }
}
