import { Injectable, Logger } from '@nestjs/common';
import { ServerEvent } from '../common/contract';
import type { AuthUser } from '../common/auth-user';
import type { Connection } from '../common/connection';
import { AuthenticationError } from '../common/handshake-error';
import { SessionLifetime } from '../auth/session-lifetime.service';
import { TokenVerifier } from '../auth/token-verifier.service';
import { AppEvents } from '../events/app-events.service';
import { ModerationRepository } from '../moderation/moderation.repository';
import { UserRoomsRepository } from '../rooms/user-rooms.repository';
import { ConnectionDirectory } from '../realtime/connection-directory';
import type { ConnectionPipeline, Handshake } from '../realtime/connection-pipeline';
import { HandshakeLimits } from '../throttling/handshake-limits.service';

/**
 * Every step of a connection's life, in order, in one place:
 *
 * 1. address rate: handshakes per client address (before the token, so a flood of bad tokens costs no verification);
 * 2. token: signature, expiry and claims;
 * 3. revocation and ban, read in the same round trip as the address check (inside the verifier);
 * 4. connection lease (taken with the limit off too: it is how the cluster knows who is online) and
 * 5. registration (the user becomes known to moderation, and the token's grants are kept for the user's
 *    offline mentions): independent, one round trip together.
 *
 * Then, once open: addressable by user and token, watched until its token expires, and revocation and ban read
 * again (one round trip) so that one landing during the handshake is not missed; once closed: lease released.
 * An identity refusal is emitted as `handshake.refused` (the audit trail records it) before the client hears it.
 */
@Injectable()
export class HandshakePipeline implements ConnectionPipeline {
  private readonly logger = new Logger(HandshakePipeline.name);

  constructor(
    private readonly limits: HandshakeLimits,
    private readonly verifier: TokenVerifier,
    private readonly moderation: ModerationRepository,
    private readonly userRooms: UserRoomsRepository,
    private readonly lifetime: SessionLifetime,
    private readonly connections: ConnectionDirectory,
    private readonly events: AppEvents,
  ) {}

  async admit({ connectionId, token, request }: Handshake): Promise<AuthUser> {
    try {
      const addressChecked = this.limits.isAddressRateLimited ? this.limits.checkAddressRate(request) : undefined;
      if (!token) {
        await addressChecked;
        throw new AuthenticationError('token_missing', 'no token: pass auth.token or Authorization: Bearer');
      }
      const user = await this.verifier.verify(token, addressChecked);
      await Promise.all([this.limits.leaseConnection(user.id, connectionId), this.moderation.rememberUser(user.id), this.userRooms.rememberGrants(user)]);
      return user;
    } catch (error) {
      if (error instanceof AuthenticationError) {
        await this.events.emit('handshake.refused', {
          code: error.code,
          message: error.message,
          userId: error.userId,
          address: this.limits.addressKeyOf(request),
        });
      }
      throw error;
    }
  }

  opened(connection: Connection): void {
    void this.connections.address(connection);
    this.lifetime.watch(connection);
    void this.closeIfRefusedMeanwhile(connection);
  }

  /**
   * A ban or revocation that landed after `admit` read the access state, but before this connection was
   * registered, found no connection to close: asked again now that it is registered, it cannot be missed. The
   * client hears what the missed order would have told it: `logout` for its own token's logout, not `revoked`.
   */
  private async closeIfRefusedMeanwhile(connection: Connection): Promise<void> {
    try {
      await this.verifier.assertAdmitted(connection.user);
    } catch (error) {
      if (!(error instanceof AuthenticationError)) {
        this.logger.warn(`access re-check of ${connection.id} failed: ${String(error)}`);
        return;
      }
      this.connections.disconnect(
        connection,
        error.code === 'banned'
          ? { event: ServerEvent.Moderation, payload: { action: 'banned' } }
          : { event: ServerEvent.Session, payload: { reason: error.sessionEnd ?? 'revoked' } },
      );
    }
  }

  closed(connection: Connection): void {
    this.lifetime.forget(connection);
    this.limits.releaseConnection(connection.user.id, connection.id);
  }
}
