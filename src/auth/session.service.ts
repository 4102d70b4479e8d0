import { Injectable, Logger } from '@nestjs/common';
import { ServerEvent, SessionEndReason } from '../common/contract';
import { ContractError } from '../common/contract-error';
import { ChatNamespace } from '../realtime/chat-namespace';
import { tokenChannel, userChannel } from '../realtime/socket-channels';
import type { ChatSocket } from '../realtime/chat-socket';

/** Cross-node message: every node ends the sessions it holds in a channel, then acknowledges. */
const END_SESSIONS = 'session:end';
/**
 * How long an order waits for every other node's acknowledgement. Past it (or when Redis cannot carry the
 * order) the caller hears `unavailable`: the order may not have reached every node, and repeating it is safe.
 */
const ORDER_ACK_TIMEOUT_MS = 4000;

/** Why sessions end: the `session` reasons, or a ban (announced by a `moderation` event instead). */
export type SessionEndCause = SessionEndReason | 'banned';

/** The last event a client hears before the server disconnects it. */
export interface Farewell {
  event: string;
  payload: object;
}

/** Told which user's connections a node is about to end, and why; awaited before they close. */
export type SessionsEndingListener = (userId: string, cause: SessionEndCause, connections: number) => Promise<void>;

/**
 * Ends sessions wherever they are connected. One server-side event carries the order to every node, so the
 * `session` notice and the disconnect that follows it stay in order on each socket; the call resolves once
 * every node has acted on it, so that a 204 means the sessions are gone everywhere.
 */
@Injectable()
export class SessionService {
  private readonly logger = new Logger(SessionService.name);
  private readonly endingListeners: SessionsEndingListener[] = [];

  constructor(private readonly namespace: ChatNamespace) {}

  /** Listens for the other nodes' orders; called once the namespace exists. */
  listen(): void {
    this.namespace.server.on(END_SESSIONS, (channel: string, cause: SessionEndCause, farewell: Farewell, acknowledge?: () => void) =>
      void this.endLocalSessions(channel, cause, farewell).finally(() => acknowledge?.()),
    );
  }

  /** Lets the audit trail record ended sessions before their clients see them end. */
  onSessionsEnding(listener: SessionsEndingListener): void {
    this.endingListeners.push(listener);
  }

  endUserSessions(userId: string, reason: SessionEndReason): Promise<void> {
    return this.endEverywhere(userChannel(userId), reason, sessionFarewell(reason));
  }

  /** Ends every session of a user with a farewell of the caller's choosing, such as a ban's `moderation` event. */
  endUserSessionsWith(userId: string, cause: SessionEndCause, farewell: Farewell): Promise<void> {
    return this.endEverywhere(userChannel(userId), cause, farewell);
  }

  endTokenSessions(tokenId: string, reason: SessionEndReason): Promise<void> {
    return this.endEverywhere(tokenChannel(tokenId), reason, sessionFarewell(reason));
  }

  end(socket: ChatSocket, reason: SessionEndReason): void {
    this.close(socket, sessionFarewell(reason));
  }

  /** Shutdown: clients hear why, then lose the transport, so that they reconnect to another node by themselves. */
  endAllForShutdown(): number {
    const sockets = [...this.namespace.server.sockets.values()] as ChatSocket[];
    for (const socket of sockets) {
      socket.emit(ServerEvent.Session, { reason: 'shutdown' });
      socket.conn.close();
    }
    return sockets.length;
  }

  private close(socket: ChatSocket, farewell: Farewell): void {
    socket.emit(farewell.event, farewell.payload);
    socket.disconnect(true);
  }

  private async endEverywhere(channel: string, cause: SessionEndCause, farewell: Farewell): Promise<void> {
    await Promise.all([this.endLocalSessions(channel, cause, farewell), this.orderOtherNodes(channel, cause, farewell)]);
  }

  /** The adapter's own wait can hang when Redis cannot count the nodes, so it is bounded here as well. */
  private async orderOtherNodes(channel: string, cause: SessionEndCause, farewell: Farewell): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ContractError('unavailable', 'not every node confirmed the order; repeat it')), ORDER_ACK_TIMEOUT_MS);
    });
    try {
      await Promise.race([this.namespace.server.serverSideEmitWithAck(END_SESSIONS, channel, cause, farewell), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async endLocalSessions(channel: string, cause: SessionEndCause, farewell: Farewell): Promise<void> {
    const namespace = this.namespace.server;
    const socketIds = namespace.adapter.rooms.get(channel);
    if (!socketIds) return;
    const sockets = [...socketIds].map((id) => namespace.sockets.get(id) as ChatSocket | undefined).filter((socket) => socket !== undefined);
    await this.announceEnding(sockets, cause);
    for (const socket of sockets) this.close(socket, farewell);
    this.logger.log(`ended sessions in ${channel}: ${cause}`);
  }

  private async announceEnding(sockets: ChatSocket[], cause: SessionEndCause): Promise<void> {
    const connectionsByUser = new Map<string, number>();
    for (const socket of sockets) connectionsByUser.set(socket.data.user.id, (connectionsByUser.get(socket.data.user.id) ?? 0) + 1);
    const announcements = [...connectionsByUser].flatMap(([userId, connections]) =>
      this.endingListeners.map((listener) => listener(userId, cause, connections)),
    );
    for (const outcome of await Promise.allSettled(announcements)) {
      if (outcome.status === 'rejected') this.logger.warn(`a session-ending listener failed: ${String(outcome.reason)}`);
    }
  }
}

const sessionFarewell = (reason: SessionEndReason): Farewell => ({ event: ServerEvent.Session, payload: { reason } });
