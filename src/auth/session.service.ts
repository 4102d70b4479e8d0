import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { ServerEvent, SessionEndReason } from '../common/contract';
import type { Connection } from '../common/connection';
import { SessionEndCause } from '../events/app-events';
import { AppEvents } from '../events/app-events.service';
import { Audience, ConnectionDirectory, Farewell } from '../realtime/connection-directory';
import { NodeOrders } from '../realtime/node-orders';

/**
 * Ends sessions wherever they are connected. One cross-node order carries the request to every node, so the
 * `session` notice and the disconnect that follows it stay in order on each connection; the call resolves once
 * every node has acted on it, so that a 204 means the sessions are gone everywhere. Before a node closes them,
 * `session.ending` is emitted (the audit trail records it) and awaited.
 */
@Injectable()
export class SessionService implements OnModuleInit {
  private readonly logger = new Logger(SessionService.name);

  constructor(
    private readonly connections: ConnectionDirectory,
    private readonly orders: NodeOrders,
    private readonly events: AppEvents,
  ) {}

  /** Answers the other nodes' orders once the namespace exists (the gateway attaches it before any module init ends). */
  onModuleInit(): void {
    this.orders.whenAttached(() => this.orders.onOrder('session:end', ({ audience, cause, farewell }) => this.endLocalSessions(audience, cause, farewell)));
  }

  endUserSessions(userId: string, reason: SessionEndReason): Promise<void> {
    return this.endEverywhere({ userId }, reason, sessionFarewell(reason));
  }

  /** Ends every session of a user with a farewell of the caller's choosing, such as a ban's `moderation` event. */
  endUserSessionsWith(userId: string, cause: SessionEndCause, farewell: Farewell): Promise<void> {
    return this.endEverywhere({ userId }, cause, farewell);
  }

  endTokenSessions(tokenId: string, reason: SessionEndReason): Promise<void> {
    return this.endEverywhere({ tokenId }, reason, sessionFarewell(reason));
  }

  end(connection: Connection, reason: SessionEndReason): void {
    this.connections.disconnect(connection, sessionFarewell(reason));
  }

  private async endEverywhere(audience: Audience, cause: SessionEndCause, farewell: Farewell): Promise<void> {
    await Promise.all([this.endLocalSessions(audience, cause, farewell), this.orders.orderEveryNode({ type: 'session:end', audience, cause, farewell })]);
  }

  private async endLocalSessions(audience: Audience, cause: SessionEndCause, farewell: Farewell): Promise<void> {
    const connections = this.connections.localConnections(audience);
    if (connections.length === 0) return;
    const connectionsByUser = new Map<string, number>();
    for (const { user } of connections) connectionsByUser.set(user.id, (connectionsByUser.get(user.id) ?? 0) + 1);
    await Promise.all([...connectionsByUser].map(([userId, count]) => this.events.emit('session.ending', { userId, cause, connections: count })));
    for (const connection of connections) this.connections.disconnect(connection, farewell);
    this.logger.log(`ended sessions of ${JSON.stringify(audience)}: ${cause}`);
  }
}

const sessionFarewell = (reason: SessionEndReason): Farewell => ({ event: ServerEvent.Session, payload: { reason } });
