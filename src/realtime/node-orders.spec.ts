import type { ChatNamespace } from './chat-namespace';
import { NodeOrder, NodeOrders } from './node-orders';

/** A namespace whose server-side events are delivered by hand, as the adapter delivers another node's order. */
function namespaceWithOrders() {
  const listeners = new Map<string, (...args: unknown[]) => void>();
  const sent: unknown[][] = [];
  const server = {
    on: (event: string, listener: (...args: unknown[]) => void) => listeners.set(event, listener),
    serverSideEmitWithAck: async (...args: unknown[]) => {
      sent.push(args);
      return [];
    },
  };
  /** Delivers an order as another node would send it; resolves once this node acknowledged it. */
  const deliver = (...args: unknown[]) =>
    new Promise<void>((acknowledge) => {
      const [[, listener]] = [...listeners];
      listener(...args, acknowledge);
    });
  return { namespace: { server } as unknown as ChatNamespace, sent, deliver };
}

const END_ALICE: NodeOrder = {
  type: 'session:end',
  audience: { userId: 'alice' },
  cause: 'banned',
  farewell: { event: 'session', payload: { reason: 'revoked' } },
};

describe('NodeOrders between nodes', () => {
  it('sends an order as one typed message and hands the receiving handler exactly its variant', async () => {
    const { namespace, sent, deliver } = namespaceWithOrders();
    const orders = new NodeOrders(namespace);
    const received: NodeOrder[] = [];
    orders.onOrder('session:end', async (order) => {
      received.push(order);
    });

    await orders.orderEveryNode(END_ALICE);
    expect(sent).toHaveLength(1);
    await deliver(...sent[0].slice(1));
    expect(received).toEqual([END_ALICE]);
  });

  it('acknowledges without obeying an order of a type it does not know, or that is no order at all', async () => {
    const { namespace, deliver } = namespaceWithOrders();
    const orders = new NodeOrders(namespace);
    const received: unknown[] = [];
    orders.onOrder('session:end', async (order) => {
      received.push(order);
    });

    await deliver({ type: 'room:purge', room: 'general' });
    await deliver('session:end', { userId: 'alice' });
    await deliver(null);
    expect(received).toEqual([]);
  });
});
