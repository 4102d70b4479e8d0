import { Injectable } from '@nestjs/common';
import { ConnectionRegistry } from './connection.registry';

/**
 * The one answer to "is this user online": holds a live connection lease anywhere in the cluster. Every
 * connection takes its lease in the handshake and gives it back when it closes; its node renews it meanwhile, so
 * a node that dies without closing stops counting within PRESENCE_TTL_SEC. Offline delivery (whether to push) and
 * the server API's presence both ask here, so they never disagree; `Broadcaster.connectionsOf` (the adapter's
 * `fetchSockets`) is for reaching or listing connections, not for this question.
 */
@Injectable()
export class OnlineUsers {
  constructor(private readonly registry: ConnectionRegistry) {}

  /** Aligned with `userIds`; one pipelined round trip, whatever their number. */
  areOnline(userIds: string[]): Promise<boolean[]> {
    return this.registry.areOnline(userIds);
  }
}
