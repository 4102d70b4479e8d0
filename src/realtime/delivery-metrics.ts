import type { Namespace } from 'socket.io';
import { ServerEvent } from '../common/contract';
import type { MetricsService } from '../metrics/metrics.service';
import { wrapBroadcastSteps } from './library-seams';

/**
 * Counts `message` events as they reach this node's connections, and times them from the message's `createdAt`.
 * Every broadcast that reaches local sockets, whether it started here or arrived through Redis, encodes its packet
 * once and then visits each recipient synchronously (`wrapBroadcastSteps`): the packet is noted in the first step
 * and the recipients counted in the second. One closure per message broadcast, nothing per recipient but an
 * increment.
 */
export function countMessageDeliveries(adapter: Namespace['adapter'], metrics: MetricsService): void {
  let pendingCreatedAt: number | undefined;
  wrapBroadcastSteps(adapter, ({ encode, apply }) => ({
    encode(packet, options) {
      if (packet.data[0] === ServerEvent.Message) pendingCreatedAt = (packet.data[1] as { createdAt?: number } | undefined)?.createdAt;
      return encode(packet, options);
    },
    apply(options, visit) {
      const createdAt = pendingCreatedAt;
      pendingCreatedAt = undefined;
      if (createdAt === undefined) return apply(options, visit);
      let recipients = 0;
      apply(options, (socket) => {
        recipients++;
        visit(socket);
      });
      if (recipients === 0) return;
      metrics.messagesDelivered.inc(recipients);
      metrics.messageDeliverySeconds.observe(Math.max(0, Date.now() - createdAt) / 1000);
    },
  }));
}
