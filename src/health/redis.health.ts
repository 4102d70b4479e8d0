import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { RedisConnectionClient } from '../redis/redis-connections';
import { REDIS_ADMISSION, REDIS_COMMANDS, REDIS_PUBLISHER } from '../redis/redis.tokens';
import { SubscriberWatch } from '../redis/subscriber-watch';

/** Well under a probe's usual 1 s timeout, so the probe hears "down" rather than nothing. */
const PING_TIMEOUT_MS = 800;

/**
 * Ready means every Redis connection of the node answers, not only the one for commands: a node whose
 * adapter subscriber is still reconnecting would store messages but not deliver them to other nodes. After
 * an outage the subscriber re-subscribes before anything else on its connection, so its PONG also proves
 * that cross-node delivery is back. On Redis Cluster that holds for each master's sharded subscriber too. The
 * admission connection too: without it no handshake or join passes.
 */
@Injectable()
export class RedisHealthIndicator {
  private readonly connections: Record<'commands' | 'admission' | 'publisher', RedisConnectionClient>;

  constructor(
    private readonly health: HealthIndicatorService,
    @Inject(REDIS_COMMANDS) commands: RedisConnectionClient,
    @Inject(REDIS_ADMISSION) admission: RedisConnectionClient,
    @Inject(REDIS_PUBLISHER) publisher: RedisConnectionClient,
    private readonly subscriber: SubscriberWatch,
  ) {
    this.connections = { commands, admission, publisher };
  }

  isReachable() {
    return this.health
      .check('redis')
      .attempt(async () => {
        await Promise.all([
          ...Object.entries(this.connections).map(async ([role, client]) => {
            if (client.status !== 'ready') throw new Error(`${role} connection is ${client.status}`);
            await client.ping();
          }),
          // checks every connection's state before its PING: subscribers keep an offline queue, where a PING would wait instead of failing
          this.subscriber.confirm(),
        ]);
      })
      .withTimeout(PING_TIMEOUT_MS);
  }
}
