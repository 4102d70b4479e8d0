import { Logger } from '@nestjs/common';
import { hasShardSubscribers, SHARD_SUBSCRIBER_EVENTS, shardSubscriptionsOf } from './library-seams';
import type { RedisConnectionClient } from './redis-connections';

/**
 * Whether the adapter's subscriber receives every broadcast, and when it does again after a time it may not
 * have. A plain client says so with its own `close` and `ready`. A cluster client with sharded subscribers
 * holds one subscriber connection per master besides its own, and one of them dropping (its master killed,
 * or failed over to a replica) changes nothing on the cluster client: the group is inspected instead, on
 * each of its events. A shard receives once its subscriber is connected to the master that serves its slots
 * now, and has answered PING: ioredis re-subscribes the shard's channels on that connection first.
 */
export class SubscriberWatch {
  private readonly logger = new Logger('Redis:subscriber');
  private readonly recoveredListeners: (() => void)[] = [];
  private readonly lostListeners: (() => void)[] = [];
  private hasReceived = false;
  private mayHaveMissedBroadcasts = false;

  constructor(private readonly subscriber: RedisConnectionClient) {
    const events = hasShardSubscribers(subscriber) ? ['close', 'ready', ...SHARD_SUBSCRIBER_EVENTS] : ['close', 'ready'];
    for (const event of events) subscriber.on(event, () => this.reconsider());
    this.reconsider();
  }

  /** Why the subscriber may miss broadcasts now, one line per connection; empty when it receives them all. */
  problems(): string[] {
    const problems = this.subscriber.status === 'ready' ? [] : [`subscriber connection is ${this.subscriber.status}`];
    const shards = shardSubscriptionsOf(this.subscriber);
    if (shards?.length === 0) problems.push('shard subscribers not started yet');
    for (const { master, status, connection } of shards ?? []) {
      const state = status === 'connected' ? connection?.status : (status ?? 'missing');
      if (state !== 'ready') problems.push(`shard subscriber of ${master} is ${state}`);
    }
    return problems;
  }

  /** Resolves once every subscriber connection answered PING, which it does after the subscriptions queued before. */
  async confirm(): Promise<void> {
    const problems = this.problems();
    if (problems.length > 0) throw new Error(problems.join('; '));
    await Promise.all(
      [this.subscriber, ...(shardSubscriptionsOf(this.subscriber) ?? []).map((shard) => shard.connection!)].map((connection) => connection.ping()),
    );
  }

  /**
   * Called as soon as the subscriber may miss broadcasts, after it had received them: before any message
   * reaches a re-established subscription, so that whoever counts on their order holds them until it filled
   * the gap.
   */
  onLost(listener: () => void): void {
    this.lostListeners.push(listener);
  }

  /** Called each time the subscriber receives every broadcast again after a time it may have missed some. */
  onRecovered(listener: () => void): void {
    this.recoveredListeners.push(listener);
  }

  private reconsider(): void {
    const problems = this.problems();
    if (problems.length > 0) {
      if (this.hasReceived && !this.mayHaveMissedBroadcasts && hasShardSubscribers(this.subscriber))
        this.logger.warn(`broadcasts may be missed: ${problems.join('; ')}`);
      if (this.hasReceived && !this.mayHaveMissedBroadcasts) {
        this.mayHaveMissedBroadcasts = true;
        this.lostListeners.forEach((listener) => listener());
      }
      return;
    }
    this.hasReceived = true;
    if (!this.mayHaveMissedBroadcasts) return;
    this.mayHaveMissedBroadcasts = false;
    this.confirm().then(
      () => this.recoveredListeners.forEach((listener) => listener()),
      // lost again before it answered: the next recovery reports it
      () => (this.mayHaveMissedBroadcasts = true),
    );
  }
}
