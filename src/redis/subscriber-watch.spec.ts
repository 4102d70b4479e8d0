import { EventEmitter } from 'node:events';
import type { RedisConnectionClient } from './redis-connections';
import { SubscriberWatch } from './subscriber-watch';

/** A connection as the watch sees it: a status, a PING, events. */
class FakeConnection extends EventEmitter {
  pings = 0;
  constructor(public status = 'ready') {
    super();
  }
  async ping(): Promise<string> {
    this.pings += 1;
    return 'PONG';
  }
}

class FakeShardSubscriber {
  constructor(
    public subscriberStatus: string,
    private readonly connection: FakeConnection | null,
  ) {}
  getInstance() {
    return this.connection;
  }
}

/** A cluster client with ioredis 6's sharded subscriber group: masters serving slots, one subscriber each. */
class FakeCluster extends FakeConnection {
  readonly shardedSubscribers = {
    subscriberToSlotsIndex: new Map<string, number[]>(),
    shardedSubscribers: new Map<string, FakeShardSubscriber>(),
  };

  serve(master: string, subscriber: FakeShardSubscriber): void {
    this.shardedSubscribers.subscriberToSlotsIndex.set(master, [0]);
    this.shardedSubscribers.shardedSubscribers.set(master, subscriber);
  }
}

const settled = () => new Promise((resolve) => setImmediate(resolve));
const asClient = (fake: FakeConnection) => fake as unknown as RedisConnectionClient;

describe('SubscriberWatch', () => {
  it('reports a loss once, as soon as a subscriber that had received loses its connection, and not at start', async () => {
    const subscriber = new FakeConnection('connecting');
    const watch = new SubscriberWatch(asClient(subscriber));
    const lost = jest.fn();
    const recovered = jest.fn();
    watch.onLost(lost);
    watch.onRecovered(recovered);
    subscriber.emit('close');
    expect(lost).not.toHaveBeenCalled();

    subscriber.status = 'ready';
    subscriber.emit('ready');
    subscriber.status = 'close';
    subscriber.emit('close');
    subscriber.emit('close');
    expect(lost).toHaveBeenCalledTimes(1);
    expect(recovered).not.toHaveBeenCalled();
    subscriber.status = 'ready';
    subscriber.emit('ready');
    await settled();
    expect(recovered).toHaveBeenCalledTimes(1);
  });

  it('reports a recovery of a plain subscriber after it was ready, lost and ready again, once', async () => {
    const subscriber = new FakeConnection();
    const watch = new SubscriberWatch(asClient(subscriber));
    const recovered = jest.fn();
    watch.onRecovered(recovered);

    subscriber.status = 'close';
    subscriber.emit('close');
    expect(watch.problems()).toEqual(['subscriber connection is close']);
    subscriber.status = 'ready';
    subscriber.emit('ready');
    subscriber.emit('ready');
    await settled();
    expect(recovered).toHaveBeenCalledTimes(1);
    expect(subscriber.pings).toBe(1);
  });

  it('reports no recovery for a first connection: nothing was received before', async () => {
    const subscriber = new FakeConnection('connecting');
    const watch = new SubscriberWatch(asClient(subscriber));
    const recovered = jest.fn();
    watch.onRecovered(recovered);
    subscriber.status = 'ready';
    subscriber.emit('ready');
    await settled();
    expect(recovered).not.toHaveBeenCalled();
  });

  it('sees one shard subscriber drop while the cluster client stays ready, and its return once the group re-subscribed', async () => {
    const cluster = new FakeCluster();
    const first = new FakeConnection();
    const second = new FakeConnection();
    cluster.serve('10.0.0.1:7000', new FakeShardSubscriber('connected', first));
    cluster.serve('10.0.0.2:7000', new FakeShardSubscriber('connected', second));
    const watch = new SubscriberWatch(asClient(cluster));
    const recovered = jest.fn();
    watch.onRecovered(recovered);
    expect(watch.problems()).toEqual([]);

    second.status = 'end';
    cluster.shardedSubscribers.shardedSubscribers.set('10.0.0.2:7000', new FakeShardSubscriber('ended', second));
    cluster.emit('-node', second, '10.0.0.2:7000');
    expect(watch.problems()).toEqual(['shard subscriber of 10.0.0.2:7000 is ended']);
    await expect(watch.confirm()).rejects.toThrow('shard subscriber of 10.0.0.2:7000 is ended');

    // its replica takes over the slots; a new subscriber connects and the group re-subscribes
    const promoted = new FakeConnection();
    cluster.shardedSubscribers.subscriberToSlotsIndex.delete('10.0.0.2:7000');
    cluster.shardedSubscribers.shardedSubscribers.delete('10.0.0.2:7000');
    cluster.serve('10.0.0.3:7000', new FakeShardSubscriber('starting', promoted));
    cluster.emit('+subscriber');
    await settled();
    expect(recovered).not.toHaveBeenCalled();
    expect(watch.problems()).toEqual(['shard subscriber of 10.0.0.3:7000 is starting']);

    cluster.serve('10.0.0.3:7000', new FakeShardSubscriber('connected', promoted));
    cluster.emit('subscribersReady');
    await settled();
    expect(recovered).toHaveBeenCalledTimes(1);
    expect([cluster.pings, first.pings, promoted.pings]).toEqual([1, 1, 1]);
  });

  it('is not ready before the cluster client knows the masters', () => {
    const cluster = new FakeCluster();
    expect(new SubscriberWatch(asClient(cluster)).problems()).toEqual(['shard subscribers not started yet']);
  });
});
