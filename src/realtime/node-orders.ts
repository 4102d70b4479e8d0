import { Injectable, Logger } from '@nestjs/common';
import { ContractError } from '../common/contract-error';
import type { SessionEndCause } from '../events/app-events';
import { ChatNamespace } from './chat-namespace';
import type { Audience, Farewell } from './connection-directory';

/**
 * How long an order waits for every other node's acknowledgement. Past it (or when Redis cannot carry the
 * order) the caller hears `unavailable`: the order may not have reached every node, and repeating it is safe.
 */
const ORDER_ACK_TIMEOUT_MS = 4000;

/**
 * Every order one node sends all the others (`orderEveryNode`), one variant per `type` with its payload: the
 * cross-node protocol in one place, as socket.io's cluster adapter types its messages. A new order is a new
 * variant here; `NODE_ORDER_TYPES` and the handlers' types then follow from it.
 */
export type NodeOrder = {
  /** Every node ends the sessions it holds of the audience, with the farewell, then acknowledges. */
  type: 'session:end';
  audience: Audience;
  cause: SessionEndCause;
  farewell: Farewell;
};

export type NodeOrderType = NodeOrder['type'];
export type NodeOrderOf<T extends NodeOrderType> = Extract<NodeOrder, { type: T }>;
/** A node's handler of one order type, given exactly that type's variant. */
export type NodeOrderHandler<T extends NodeOrderType> = (order: NodeOrderOf<T>) => Promise<void>;

/** What a node reads an incoming order's `type` against: an order from a newer node may name one unknown here. */
const NODE_ORDER_TYPES: Record<NodeOrderType, true> = { 'session:end': true };
/** The one server-side event that carries every order between nodes. */
const NODE_ORDER_EVENT = 'node:order';

function isNodeOrder(value: unknown): value is NodeOrder {
  const type = (value as { type?: unknown } | null)?.type;
  return typeof type === 'string' && Object.hasOwn(NODE_ORDER_TYPES, type);
}

/**
 * Orders to every node that need each node's acknowledgement (end these sessions), over the adapter's
 * server-side emits.
 */
@Injectable()
export class NodeOrders {
  private readonly logger = new Logger(NodeOrders.name);
  private readonly orderHandlers: { [T in NodeOrderType]?: NodeOrderHandler<T> } = {};
  private isListeningForOrders = false;

  constructor(private readonly namespace: ChatNamespace) {}

  /** Runs once the namespace exists: at once when it does already. */
  whenAttached(action: () => void): void {
    this.namespace.whenAttached(action);
  }

  /** Registers this node's handler of an order type that other nodes send with `orderEveryNode`. */
  onOrder<T extends NodeOrderType>(type: T, handler: NodeOrderHandler<T>): void {
    (this.orderHandlers as Record<T, NodeOrderHandler<T>>)[type] = handler;
    if (this.isListeningForOrders) return;
    this.isListeningForOrders = true;
    this.namespace.server.on(NODE_ORDER_EVENT, (...args: unknown[]) => {
      const acknowledge = typeof args.at(-1) === 'function' ? (args.pop() as () => void) : undefined;
      const [order] = args;
      void this.obey(order)
        .catch((error: unknown) => this.logger.warn(`order ${JSON.stringify((order as { type?: unknown } | null)?.type)} failed: ${String(error)}`))
        .finally(() => acknowledge?.());
    });
  }

  /** Sends an order to every other node and waits for each to acknowledge it. The adapter's own wait can hang
   * when Redis cannot count the nodes, so it is bounded here as well. */
  async orderEveryNode(order: NodeOrder): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ContractError('unavailable', 'not every node confirmed the order; repeat it')), ORDER_ACK_TIMEOUT_MS);
    });
    try {
      await Promise.race([
        (this.namespace.server.serverSideEmitWithAck as (name: string, order: NodeOrder) => Promise<unknown>)(NODE_ORDER_EVENT, order),
        deadline,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** An order this node has no handler for (another node's newer build) is acknowledged, not obeyed. */
  private async obey(order: unknown): Promise<void> {
    if (!isNodeOrder(order)) throw new Error('not an order this node knows');
    await this.handle(order);
  }

  private async handle<T extends NodeOrderType>(order: NodeOrderOf<T>): Promise<void> {
    const handler = this.orderHandlers[order.type as T] as NodeOrderHandler<T> | undefined;
    if (!handler) throw new Error('no handler on this node');
    await handler(order);
  }
}
