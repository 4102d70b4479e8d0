import { Injectable } from '@nestjs/common';
import { ROOM_NAME_PATTERN } from '../common/contract';
import type { Connection } from '../common/connection';
import type { ChatServer, ChatSocket } from './chat-socket';
import { connectionOf } from './socket-connection';

/** A connection entered (+1) or left (-1) a chat room: join, leave, kick or disconnect alike. */
export type MembershipListener = (room: string, connection: Connection, delta: 1 | -1) => void;

/**
 * The `/chat` namespace, attached once by the gateway when the server starts. Only realtime/ reads it:
 * services go through `Broadcaster`, `ConnectionDirectory` and `NodeOrders`.
 */
@Injectable()
export class ChatNamespace {
  private namespace?: ChatServer;
  private readonly membershipListeners: MembershipListener[] = [];
  private readonly pendingActions: (() => void)[] = [];

  attach(namespace: ChatServer): void {
    this.namespace = namespace;
    for (const action of this.pendingActions.splice(0)) action();
    namespace.adapter.on('join-room', (room: string, socketId: string) => this.onMembership(room, socketId, 1));
    namespace.adapter.on('leave-room', (room: string, socketId: string) => this.onMembership(room, socketId, -1));
  }

  get server(): ChatServer {
    if (!this.namespace) throw new Error('the /chat namespace is not initialised yet');
    return this.namespace;
  }

  whenAttached(action: () => void): void {
    if (this.namespace) action();
    else this.pendingActions.push(action);
  }

  /** Chat rooms only: a socket's own room and the addressing channels are not announced. */
  onMembershipChange(listener: MembershipListener): void {
    this.membershipListeners.push(listener);
  }

  private onMembership(room: string, socketId: string, delta: 1 | -1): void {
    if (room === socketId || !ROOM_NAME_PATTERN.test(room)) return;
    const socket = this.namespace?.sockets.get(socketId) as ChatSocket | undefined;
    if (!socket?.data.user) return;
    const connection = connectionOf(socket);
    for (const listener of this.membershipListeners) listener(room, connection, delta);
  }
}
