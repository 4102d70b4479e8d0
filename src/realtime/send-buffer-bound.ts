import type { EventEmitter } from 'node:events';
import { rawWebSocketOf } from './library-seams';

/** Who was closed: the engine transport's name (`websocket`, `polling`, `plain-websocket`) and the client's address. */
export interface SlowConsumer {
  transport: string;
  remoteAddress: string;
}

export type SlowConsumerListener = (consumer: SlowConsumer) => void;

/** What engine.io's `Socket` offers that matters here. */
interface EngineConnection extends EventEmitter {
  readonly remoteAddress: string;
  readonly transport: { name: string };
  close(discard?: boolean): void;
  /** Bytes of the packets in engine.io's write buffer, not yet handed to the transport. */
  [QUEUED_BYTES]?: number;
}

interface EngineServer extends EventEmitter {
  on(event: 'connection', listener: (connection: EngineConnection) => void): this;
}

const QUEUED_BYTES = Symbol('queuedBytes');

/**
 * Bounds each Socket.IO connection's unsent output at `maxBytes`: engine.io's write buffer (packets waiting
 * for the transport: a WebSocket still writing, or a polling client that has not polled) plus, on WebSocket,
 * what the socket has not yet handed to the kernel (`ws`'s `bufferedAmount`). Past the bound the transport is
 * closed at once, buffers discarded, and the client reconnects and catches up with `room:join { since }`.
 *
 * The cost per packet is constant: engine.io announces each packet it queues (`packetCreate`) and each time it
 * hands the queue to the transport (`flush`), so a running count of the queue's bytes is kept instead of summing
 * the queue; `bufferedAmount` is a sum ws already keeps. A periodic sweep would cost as much per connection
 * whether or not anything is sent, and would let a flood overshoot the bound between two sweeps. The two
 * listeners are shared by every connection (an emitter calls them with itself as `this`): no closure per
 * connection. A shared broadcast packet is counted once per connection, though its string is held once: the
 * bound is on what the connection owes, an upper bound of what it costs.
 */
export function boundSendBuffers(engine: EngineServer, maxBytes: number, onClosed: SlowConsumerListener): void {
  function countQueued(this: EngineConnection, packet: { data?: string | Buffer }): void {
    const queued = (this[QUEUED_BYTES] ?? 0) + sizeOf(packet.data);
    this[QUEUED_BYTES] = queued;
    if (queued + (rawWebSocketOf(this.transport)?.bufferedAmount ?? 0) <= maxBytes) return;
    this.off('packetCreate', countQueued);
    // after the broadcast or emit under way has returned, not from inside engine.io's send
    queueMicrotask(() => shed(this));
  }
  function forgetQueued(this: EngineConnection): void {
    this[QUEUED_BYTES] = 0;
  }
  function shed(connection: EngineConnection): void {
    const { name } = connection.transport;
    // discard: a plain close would wait for the write buffer to drain, which is what this client never does
    connection.close(true);
    // a WebSocket's graceful close waits for the client to read up to the close frame: free its buffers now
    rawWebSocketOf(connection.transport)?.terminate();
    onClosed({ transport: name, remoteAddress: connection.remoteAddress });
  }
  engine.on('connection', (connection) => {
    connection.on('packetCreate', countQueued);
    connection.on('flush', forgetQueued);
  });
}

/** A string counts its UTF-16 units: its bytes as JSON text for ASCII, its size in memory either way. */
function sizeOf(data: string | Buffer | undefined): number {
  if (data === undefined) return 1;
  return typeof data === 'string' ? data.length : data.byteLength;
}
