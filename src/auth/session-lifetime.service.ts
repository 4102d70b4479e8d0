import { Injectable } from '@nestjs/common';
import type { Connection } from '../common/connection';
import { ContractError } from '../common/contract-error';
import { ROOM_NAME_PATTERN } from '../common/contract';
import { ConnectionDirectory } from '../realtime/connection-directory';
import { AccessPolicy } from '../rooms/access-policy';
import { AuthUser } from '../common/auth-user';
import { AuthenticationError } from '../common/handshake-error';
import { SessionService } from './session.service';
import { TokenVerifier } from './token-verifier.service';

/** setTimeout's ceiling; a later expiry is re-armed when this fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * One timer for every connection of the node instead of one each (a Timeout, its closure and, for every
 * distinct delay, one of Node's timer lists per connection): connections are grouped by their expiry second
 * (`exp` has whole seconds anyway) and the timer is armed for the earliest group.
 */
class ExpirySchedule<T> {
  private readonly groups = new Map<number, Set<T>>();
  private readonly secondOf = new Map<T, number>();
  /** The groups' seconds, ascending. */
  private readonly seconds: number[] = [];
  private timer?: NodeJS.Timeout;
  private armedForSec?: number;

  constructor(private readonly expired: (item: T) => void) {}

  schedule(item: T, atSec: number): void {
    this.cancel(item);
    let group = this.groups.get(atSec);
    if (!group) {
      group = new Set();
      this.groups.set(atSec, group);
      this.seconds.splice(insertionIndex(this.seconds, atSec), 0, atSec);
    }
    group.add(item);
    this.secondOf.set(item, atSec);
    this.arm();
  }

  cancel(item: T): void {
    const atSec = this.secondOf.get(item);
    if (atSec === undefined) return;
    this.secondOf.delete(item);
    const group = this.groups.get(atSec)!;
    group.delete(item);
    if (group.size > 0) return;
    this.groups.delete(atSec);
    this.seconds.splice(insertionIndex(this.seconds, atSec), 1);
    if (this.seconds.length === 0) this.disarm();
  }

  private arm(): void {
    const nextSec = this.seconds[0];
    if (nextSec === this.armedForSec) return;
    this.disarm();
    this.armedForSec = nextSec;
    this.timer = setTimeout(() => this.fire(), Math.max(0, Math.min(nextSec * 1000 - Date.now(), MAX_TIMER_MS)));
  }

  private disarm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.armedForSec = undefined;
  }

  private fire(): void {
    this.timer = undefined;
    this.armedForSec = undefined;
    while (this.seconds.length > 0 && this.seconds[0] * 1000 <= Date.now()) {
      const atSec = this.seconds.shift()!;
      const group = this.groups.get(atSec)!;
      this.groups.delete(atSec);
      for (const item of group) {
        this.secondOf.delete(item);
        this.expired(item);
      }
    }
    if (this.seconds.length > 0) this.arm();
  }
}

/** Where `value` goes in the ascending `sorted` (its index if present). */
function insertionIndex(sorted: number[], value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle] < value) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * A session lasts as long as its token: it ends at `exp` unless `auth:refresh` brought a newer token.
 * The schedule lives here, keyed by connection, not on the connection: the adapter serializes a socket's data
 * for other nodes' `fetchSockets`, and a timer handle cannot be serialized.
 */
@Injectable()
export class SessionLifetime {
  private readonly expiries = new ExpirySchedule<Connection>((connection) => this.expire(connection));
  /** Refreshes still being verified (Redis: revocation, ban): an expiry that falls meanwhile waits for them. */
  private readonly refreshing = new WeakMap<Connection, Promise<AuthUser>>();

  constructor(
    private readonly verifier: TokenVerifier,
    private readonly sessions: SessionService,
    private readonly connections: ConnectionDirectory,
    private readonly access: AccessPolicy,
  ) {}

  watch(connection: Connection): void {
    if (!connection.isConnected) return this.expiries.cancel(connection);
    this.expiries.schedule(connection, connection.user.expiresAtSec);
  }

  forget(connection: Connection): void {
    this.expiries.cancel(connection);
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
    await this.connections.address(connection, current.tokenId);
    // the new token's grants apply from now on: rooms it no longer allows are left
    for (const room of [...connection.rooms]) if (ROOM_NAME_PATTERN.test(room) && !this.access.hasAccess(next, 'room.join', room)) await connection.leave(room);
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
