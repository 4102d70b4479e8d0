import type { EventEmitter } from 'node:events';

/** The TCP socket under a server-side `ws` WebSocket (ws keeps it as `_socket`). */
interface Corkable {
  cork(): void;
  uncork(): void;
}

/** What engine.io keeps of a connection that matters here (its internals, stable across engine.io 6). */
interface EngineConnection {
  readonly transport: { socket?: { _socket?: Corkable } };
}

interface EngineServer extends EventEmitter {
  on(event: 'flush', listener: (connection: EngineConnection, packets: unknown[]) => void): this;
}

/**
 * One system call for the packets a connection owes, instead of one each. While a WebSocket write is under
 * way, engine.io queues the connection's next packets, then hands them to the transport together; ws writes
 * each frame on its own, so a member of a busy room (a join storm's `presence` announcements, a burst of
 * messages) cost one `writev` per packet, most of a node's CPU in a storm. The TCP socket is corked while
 * engine.io hands the queue over and uncorked once the current operation is done: the same frames, in the same
 * order, in one write. One listener on the engine server, nothing per connection.
 */
export function coalesceFlushedFrames(engine: EngineServer): void {
  engine.on('flush', (connection, packets) => {
    if (packets.length < 2) return;
    const socket = connection.transport.socket?._socket;
    if (typeof socket?.cork !== 'function') return;
    socket.cork();
    process.nextTick(uncork, socket);
  });
}

function uncork(socket: Corkable): void {
  socket.uncork();
}
