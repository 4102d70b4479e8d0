import { Logger } from '@nestjs/common';
import type { Namespace } from 'socket.io';
import { ServerEvent } from '../common/contract';
import type { MetricsService } from '../metrics/metrics.service';

type Packet = { data: unknown[] };
type SocketCallback = (socket: unknown) => void;
interface AdapterInternals {
  _encode(packet: Packet, options: unknown): unknown;
  apply(options: unknown, callback: SocketCallback): void;
}

/**
 * Counts `message` events as they reach this node's connections, and times them from the message's `createdAt`.
 * Every broadcast that reaches local sockets, whether it started here or arrived through Redis, runs the in-memory
 * adapter's `broadcast`, which encodes the packet once (`_encode`) and then visits each recipient (`apply`)
 * synchronously: the packet is noted in the first and the recipients counted in the second. One closure per
 * message broadcast, nothing per recipient but an increment. Both methods are the adapter's internals: if a
 * version lacks them, start-up says so and messages go uncounted.
 */
export function countMessageDeliveries(adapter: Namespace['adapter'], metrics: MetricsService): void {
  const internals = adapter as unknown as AdapterInternals;
  if (typeof internals._encode !== 'function' || typeof internals.apply !== 'function') {
    new Logger('Metrics').warn('this socket.io-adapter has no _encode/apply: chat_messages_delivered_total stays at 0');
    return;
  }
  const encode = internals._encode.bind(adapter);
  const apply = internals.apply.bind(adapter);
  let pendingCreatedAt: number | undefined;
  internals._encode = (packet, options) => {
    if (packet.data[0] === ServerEvent.Message) pendingCreatedAt = (packet.data[1] as { createdAt?: number } | undefined)?.createdAt;
    return encode(packet, options);
  };
  internals.apply = (options, callback) => {
    const createdAt = pendingCreatedAt;
    pendingCreatedAt = undefined;
    if (createdAt === undefined) return apply(options, callback);
    let recipients = 0;
    apply(options, (socket) => {
      recipients++;
      callback(socket);
    });
    if (recipients === 0) return;
    metrics.messagesDelivered.inc(recipients);
    metrics.messageDeliverySeconds.observe(Math.max(0, Date.now() - createdAt) / 1000);
  };
}
