import { Injectable } from '@nestjs/common';
import type { ChatSocket } from '../realtime/chat-socket';
import { ContractError } from '../common/contract-error';
import { ROOM_NAME_PATTERN } from '../common/contract';
import { tokenChannel } from '../realtime/socket-channels';
import { mayJoin } from '../chat/room-access';
import { AuthUser } from '../common/auth-user';
import { AuthenticationError } from './handshake-error';
import { SessionService } from './session.service';
import { TokenVerifier } from './token-verifier.service';

/** setTimeout's ceiling; a later expiry is re-armed when this fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A session lasts as long as its token: it ends at `exp` unless `auth:refresh` brought a newer token.
 * Timers live here, not in `socket.data`: the adapter serializes `socket.data` for other nodes' `fetchSockets`,
 * and a timer handle cannot be serialized.
 */
@Injectable()
export class SessionLifetime {
  private readonly expiryTimers = new WeakMap<ChatSocket, NodeJS.Timeout>();
  /** Refreshes still being verified (Redis: revocation, ban): an expiry that falls meanwhile waits for them. */
  private readonly refreshing = new WeakMap<ChatSocket, Promise<AuthUser>>();

  constructor(
    private readonly verifier: TokenVerifier,
    private readonly sessions: SessionService,
  ) {}

  watch(socket: ChatSocket): void {
    clearTimeout(this.expiryTimers.get(socket));
    if (socket.disconnected) return;
    const remainingMs = socket.data.user.expiresAtSec * 1000 - Date.now();
    this.expiryTimers.set(
      socket,
      setTimeout(() => (remainingMs > MAX_TIMER_MS ? this.watch(socket) : this.expire(socket)), Math.max(0, Math.min(remainingMs, MAX_TIMER_MS))),
    );
  }

  forget(socket: ChatSocket): void {
    clearTimeout(this.expiryTimers.get(socket));
    this.expiryTimers.delete(socket);
  }

  async refresh(socket: ChatSocket, token: string): Promise<{ exp: number }> {
    const current = socket.data.user;
    if (this.refreshing.has(socket)) throw new ContractError('rate_limited', 'a refresh is already being verified', { retryAfterMs: 1000 });
    const verification = this.verifier.verify(token);
    this.refreshing.set(socket, verification);
    let next: AuthUser;
    try {
      next = await verification;
    } catch (error) {
      if (error instanceof AuthenticationError) throw new ContractError('forbidden', error.message, { code: error.code });
      throw error;
    } finally {
      if (this.refreshing.get(socket) === verification) this.refreshing.delete(socket);
    }
    if (next.id !== current.id) throw new ContractError('forbidden', 'the new token belongs to another user');
    if (current.tokenId !== next.tokenId) socket.leave(tokenChannel(current.tokenId));
    socket.join(tokenChannel(next.tokenId));
    socket.data.user = next;
    // the new token's grants apply from now on: rooms it no longer allows are left
    for (const room of socket.rooms) if (ROOM_NAME_PATTERN.test(room) && !mayJoin(next, room)) socket.leave(room);
    this.watch(socket);
    return { exp: next.expiresAtSec };
  }

  /**
   * The token ran out. A refresh the client sent before that is honoured once verified: the session is
   * judged again on whichever token it holds then (the old one, already expired, ends it at once).
   */
  private expire(socket: ChatSocket): void {
    const pending = this.refreshing.get(socket);
    if (!pending) return this.sessions.end(socket, 'expired');
    const judgeAgain = () => this.watch(socket);
    pending.then(judgeAgain, judgeAgain);
  }
}
