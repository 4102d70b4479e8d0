import { Injectable } from '@nestjs/common';
import type { Connection } from '../common/connection';
import { ContractError } from '../common/contract-error';
import { ROOM_NAME_PATTERN } from '../common/contract';
import { Broadcaster } from '../realtime/broadcaster';
import { mayJoin } from '../rooms/room-access';
import { AuthUser } from '../common/auth-user';
import { AuthenticationError } from '../common/handshake-error';
import { SessionService } from './session.service';
import { TokenVerifier } from './token-verifier.service';

/** setTimeout's ceiling; a later expiry is re-armed when this fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A session lasts as long as its token: it ends at `exp` unless `auth:refresh` brought a newer token.
 * Timers live here, keyed by connection, not on the connection: the adapter serializes a socket's data for
 * other nodes' `fetchSockets`, and a timer handle cannot be serialized.
 */
@Injectable()
export class SessionLifetime {
  private readonly expiryTimers = new WeakMap<Connection, NodeJS.Timeout>();
  /** Refreshes still being verified (Redis: revocation, ban): an expiry that falls meanwhile waits for them. */
  private readonly refreshing = new WeakMap<Connection, Promise<AuthUser>>();

  constructor(
    private readonly verifier: TokenVerifier,
    private readonly sessions: SessionService,
    private readonly broadcaster: Broadcaster,
  ) {}

  watch(connection: Connection): void {
    clearTimeout(this.expiryTimers.get(connection));
    if (!connection.isConnected) return;
    const remainingMs = connection.user.expiresAtSec * 1000 - Date.now();
    this.expiryTimers.set(
      connection,
      setTimeout(() => (remainingMs > MAX_TIMER_MS ? this.watch(connection) : this.expire(connection)), Math.max(0, Math.min(remainingMs, MAX_TIMER_MS))),
    );
  }

  forget(connection: Connection): void {
    clearTimeout(this.expiryTimers.get(connection));
    this.expiryTimers.delete(connection);
  }

  async refresh(connection: Connection, token: string): Promise<{ exp: number }> {
    const current = connection.user;
    if (this.refreshing.has(connection)) throw new ContractError('rate_limited', 'a refresh is already being verified', { retryAfterMs: 1000 });
    const verification = this.verifier.verify(token);
    this.refreshing.set(connection, verification);
    let next: AuthUser;
    try {
      next = await verification;
    } catch (error) {
      if (error instanceof AuthenticationError) throw new ContractError('forbidden', error.message, { code: error.code });
      throw error;
    } finally {
      if (this.refreshing.get(connection) === verification) this.refreshing.delete(connection);
    }
    if (next.id !== current.id) throw new ContractError('forbidden', 'the new token belongs to another user');
    connection.user = next;
    await this.broadcaster.address(connection, current.tokenId);
    // the new token's grants apply from now on: rooms it no longer allows are left
    for (const room of [...connection.rooms]) if (ROOM_NAME_PATTERN.test(room) && !mayJoin(next, room)) await connection.leave(room);
    this.watch(connection);
    return { exp: next.expiresAtSec };
  }

  /**
   * The token ran out. A refresh the client sent before that is honoured once verified: the session is
   * judged again on whichever token it holds then (the old one, already expired, ends it at once).
   */
  private expire(connection: Connection): void {
    const pending = this.refreshing.get(connection);
    if (!pending) return this.sessions.end(connection, 'expired');
    const judgeAgain = () => this.watch(connection);
    pending.then(judgeAgain, judgeAgain);
  }
}
