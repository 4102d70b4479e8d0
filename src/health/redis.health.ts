import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { RedisConnectionClient } from '../redis/redis-connections';
import { REDIS_ADMISSION, REDIS_COMMANDS, REDIS_PUBLISHER, REDIS_SUBSCRIBER } from '../redis/redis.tokens';

/** Well under a probe's usual 1 s timeout, so the probe hears "down" rather than nothing. */
const PING_TIMEOUT_MS = 800;

/**
 * Ready means every Redis connection of the node answers, not only the one for commands: a node whose
 * adapter subscriber is still reconnecting would store messages but not deliver them to other nodes. After
 * an outage the subscriber re-subscribes before anything else on its connection, so its PONG also proves
 * that cross-node delivery is back. The admission connection too: without it no handshake or join passes.
 */
@Injectable()
export class RedisHealthIndicator {
  private readonly connections: Record<'commands' | 'admission' | 'publisher' | 'subscriber', RedisConnectionClient>;

  constructor(
    private readonly health: HealthIndicatorService,
    @Inject(REDIS_COMMANDS) commands: RedisConnectionClient,
    @Inject(REDIS_ADMISSION) admission: RedisConnectionClient,
    @Inject(REDIS_PUBLISHER) publisher: RedisConnectionClient,
    @Inject(REDIS_SUBSCRIBER) subscriber: RedisConnectionClient,
  ) {
    this.connections = { commands, admission, publisher, subscriber };
  }

  isReachable() {
    return this.health
      .check('redis')
      .attempt(async () => {
        await Promise.all(
          Object.entries(this.connections).map(async ([role, client]) => {
            // checked first: the subscriber keeps an offline queue, where a PING would wait instead of failing
            if (client.status !== 'ready') throw new Error(`${role} connection is ${client.status}`);
            await client.ping();
          }),
        );
      })
      .withTimeout(PING_TIMEOUT_MS);
  }
}
