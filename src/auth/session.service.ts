import { Injectable, Logger } from '@nestjs/common';
import { ServerEvent, SessionEndReason } from '../common/contract';
import { ChatNamespace } from '../realtime/chat-namespace';
import { tokenChannel, userChannel } from '../common/socket-channels';
import type { ChatSocket } from '../common/chat-socket';

/** Cross-node message: every node ends the sessions it holds in a channel. */
const END_SESSIONS = 'session:end';

/**
 * Ends sessions wherever they are connected. One server-side event carries the order to every node, so the
 * `session` notice and the disconnect that follows it stay in order on each socket.
 */
@Injectable()
export class SessionService {
  private readonly logger = new Logger(SessionService.name);

  constructor(private readonly namespace: ChatNamespace) {}

  /** Listens for the other nodes' orders; called once the namespace exists. */
  listen(): void {
    this.namespace.server.on(END_SESSIONS, (channel: string, reason: SessionEndReason) => this.endLocalSessions(channel, reason));
  }

  endUserSessions(userId: string, reason: SessionEndReason): void {
    this.endEverywhere(userChannel(userId), reason);
  }

  endTokenSessions(tokenId: string, reason: SessionEndReason): void {
    this.endEverywhere(tokenChannel(tokenId), reason);
  }

  end(socket: ChatSocket, reason: SessionEndReason): void {
    socket.emit(ServerEvent.Session, { reason });
    socket.disconnect(true);
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

  private endEverywhere(channel: string, reason: SessionEndReason): void {
    this.endLocalSessions(channel, reason);
    this.namespace.server.serverSideEmit(END_SESSIONS, channel, reason);
  }

  private endLocalSessions(channel: string, reason: SessionEndReason): void {
    const namespace = this.namespace.server;
    const socketIds = namespace.adapter.rooms.get(channel);
    if (!socketIds) return;
    for (const id of [...socketIds]) {
      const socket = namespace.sockets.get(id) as ChatSocket | undefined;
      if (socket) this.end(socket, reason);
    }
    this.logger.log(`ended sessions in ${channel}: ${reason}`);
  }
}
