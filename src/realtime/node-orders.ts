import { Injectable, Logger } from '@nestjs/common';
import { ContractError } from '../common/contract-error';
import { ChatNamespace } from './chat-namespace';

/**
 * How long an order waits for every other node's acknowledgement. Past it (or when Redis cannot carry the
 * order) the caller hears `unavailable`: the order may not have reached every node, and repeating it is safe.
 */
const ORDER_ACK_TIMEOUT_MS = 4000;

/**
 * Orders to every node that need each node's acknowledgement (end these sessions), over the adapter's
 * server-side emits.
 */
@Injectable()
export class NodeOrders {
  private readonly logger = new Logger(NodeOrders.name);

  constructor(private readonly namespace: ChatNamespace) {}

  /** Runs once the namespace exists: at once when it does already. */
  whenAttached(action: () => void): void {
    this.namespace.whenAttached(action);
  }

  /** Registers this node's handler of an order that other nodes send with `orderEveryNode`. */
  onOrder(name: string, handler: (...args: unknown[]) => Promise<void>): void {
    this.namespace.server.on(name, (...args: unknown[]) => {
      const acknowledge = typeof args.at(-1) === 'function' ? (args.pop() as () => void) : undefined;
      void handler(...args).catch((error: unknown) => this.logger.warn(`order ${name} failed: ${String(error)}`)).finally(() => acknowledge?.());
    });
  }

  /** Sends an order to every other node and waits for each to acknowledge it. The adapter's own wait can hang
   * when Redis cannot count the nodes, so it is bounded here as well. */
  async orderEveryNode(name: string, ...args: unknown[]): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ContractError('unavailable', 'not every node confirmed the order; repeat it')), ORDER_ACK_TIMEOUT_MS);
    });
    try {
      await Promise.race([(this.namespace.server.serverSideEmitWithAck as (name: string, ...args: unknown[]) => Promise<unknown>)(name, ...args), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }
}
