import { Injectable } from '@nestjs/common';
import type { ServerEventMap, ServerEventName } from '../common/contract';
import type { Connection } from '../common/connection';
import { ChatNamespace, MembershipListener } from './chat-namespace';
import { RoomFeed } from './room-feed';
import { userChannel } from './socket-channels';

export interface BroadcastOptions {
  /** The connection the event came from, which already has its answer in the ack. */
  exceptConnection?: string;
  /** None of this user's connections hears it (their own typing, presence). */
  exceptUser?: string;
  /** No member of this room hears it (they hear it from the room's feed). */
  exceptRoom?: string;
}

/**
 * Room delivery: everything services send to clients, on every node, through the Socket.IO Redis adapter (to
 * rooms, to a user's connections, to single connections), and who is in a chat room (joins with their catch-up
 * bound, removals on every node, membership changes). Which connections exist and their lives are
 * `ConnectionDirectory`'s; orders to every node are `NodeOrders`'.
 */
@Injectable()
export class Broadcaster {
  constructor(
    private readonly namespace: ChatNamespace,
    private readonly feed: RoomFeed,
  ) {}

  /**
   * Joins a chat room: the answer is the id of the last message the join's catch-up must serve (null: none,
   * undefined: no bound), since every later one reaches the connection live from the room's feed, in id order.
   * `since`: the client has every message up to it.
   */
  joinRoom(connection: Connection, room: string, since?: string): Promise<string | null | undefined> {
    return this.feed.join(connection, room, since);
  }

  toRooms<E extends ServerEventName>(rooms: string | string[], event: E, payload: ServerEventMap[E], options: BroadcastOptions = {}): void {
    let operator = this.namespace.server.to(rooms);
    if (options.exceptConnection) operator = operator.except(options.exceptConnection);
    if (options.exceptUser) operator = operator.except(userChannel(options.exceptUser));
    if (options.exceptRoom) operator = operator.except(options.exceptRoom);
    (operator.emit as (event: string, payload: unknown) => boolean)(event, payload);
  }

  /** Every connection of the user, whichever rooms they joined. */
  toUser<E extends ServerEventName>(userId: string, event: E, payload: ServerEventMap[E], options: BroadcastOptions = {}): void {
    this.toRooms(userChannel(userId), event, payload, options);
  }

  toConnections<E extends ServerEventName>(connectionIds: string[], event: E, payload: ServerEventMap[E]): void {
    this.toRooms(connectionIds, event, payload);
  }

  /** The addressing channel of a user, for a broadcast to a room and a user's connections at once. */
  userAddress(userId: string): string {
    return userChannel(userId);
  }

  /**
   * Takes the user's connections out of the room on every node, and resolves once every node applied it:
   * its answer to a later request on the same ordered channel proves it.
   */
  async removeUserFromRoom(userId: string, room: string): Promise<void> {
    const userConnections = this.namespace.server.in(userChannel(userId));
    userConnections.socketsLeave(room);
    await userConnections.fetchSockets();
  }

  /** Every way a connection enters or leaves a chat room: join, leave, kick, disconnect. */
  onMembershipChange(listener: MembershipListener): void {
    this.namespace.onMembershipChange(listener);
  }
}
