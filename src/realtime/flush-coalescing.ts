import { type Corkable, type FlushingEngine, tcpSocketUnder } from './library-seams';

/**
 * One system call for the packets a connection owes, instead of one each. While a WebSocket write is under
 * way, engine.io queues the connection's next packets, then hands them to the transport together; ws writes
 * each frame on its own, so a member of a busy room (a join storm's `presence` announcements, a burst of
 * messages) cost one `writev` per packet, most of a node's CPU in a storm. The TCP socket is corked while
 * engine.io hands the queue over and uncorked once the current operation is done: the same frames, in the same
 * order, in one write. One listener on the engine server, nothing per connection. Both internals it needs (the
 * `flush` event, ws's TCP socket) are checked at start-up (`library-seams.ts`).
 */
export function coalesceFlushedFrames(engine: FlushingEngine): void {
  engine.on('flush', (connection, packets) => {
    if (packets.length < 2) return;
    const socket = tcpSocketUnder(connection.transport);
    if (!socket) return;
    socket.cork();
    process.nextTick(uncork, socket);
  });
}

function uncork(socket: Corkable): void {
  socket.uncork();
}
