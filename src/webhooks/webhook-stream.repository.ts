import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { QueueFactory } from '../queue/queue.factory';
import type { RedisConnectionClient } from '../redis/redis-connections';
import { REDIS_COMMANDS } from '../redis/redis.tokens';
import { WEBHOOK_CONSUMER_GROUP, WEBHOOK_STREAM_KEY } from './keys';
import { WebhookEvent } from './webhook-event';

export interface StreamedEvent {
  entryId: string;
  /** Undefined when the entry was deleted meanwhile: it only needs acknowledging. */
  event?: WebhookEvent;
}

/** The event stream between producers and dispatchers: the only code that knows its key and commands. */
@Injectable()
export class WebhookStreamRepository {
  private reader?: RedisConnectionClient;

  constructor(
    @Inject(REDIS_COMMANDS) private readonly commands: Redis,
    private readonly queues: QueueFactory,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * One XADD on the commands connection, which pipelines it with whatever else the caller writes in the same
   * tick: the event is in Redis as soon as the caller's own writes are, and the caller awaits nothing.
   * Entries are deleted once they became jobs, so the stream is a backlog only while no node dispatches; it is
   * capped at `WEBHOOK_BACKLOG_MAX` (approximately: `~` trims whole nodes of the stream, which costs nothing more
   * per append), the oldest dropped first.
   */
  append(event: WebhookEvent): Promise<unknown> {
    return this.commands.xadd(WEBHOOK_STREAM_KEY, 'MAXLEN', '~', this.config.webhooks.backlogMax, '*', 'event', JSON.stringify(event));
  }

  /** From the start of the stream: events appended before any node created the group are dispatched too. */
  async ensureGroup(): Promise<void> {
    try {
      await this.blockingReader().xgroup('CREATE', WEBHOOK_STREAM_KEY, WEBHOOK_CONSUMER_GROUP, '0', 'MKSTREAM');
    } catch (error) {
      if (!(error instanceof Error && error.message.startsWith('BUSYGROUP'))) throw error;
    }
  }

  async readNew(consumer: string, count: number, blockMs: number): Promise<StreamedEvent[]> {
    const reply = (await this.blockingReader().xreadgroup(
      'GROUP',
      WEBHOOK_CONSUMER_GROUP,
      consumer,
      'COUNT',
      count,
      'BLOCK',
      blockMs,
      'STREAMS',
      WEBHOOK_STREAM_KEY,
      '>',
    )) as [string, [string, string[]][]][] | null;
    return reply ? reply[0][1].map(decode) : [];
  }

  /** Entries another consumer read more than `idleMs` ago and never acknowledged: its node died meanwhile. */
  async claimAbandoned(consumer: string, idleMs: number, count: number): Promise<StreamedEvent[]> {
    const [, entries, deletedIds] = (await this.blockingReader().xautoclaim(
      WEBHOOK_STREAM_KEY,
      WEBHOOK_CONSUMER_GROUP,
      consumer,
      idleMs,
      '0-0',
      'COUNT',
      count,
    )) as [string, [string, string[] | null][], string[]?];
    return [...entries.map(decode), ...(deletedIds ?? []).map((entryId) => ({ entryId }))];
  }

  /** Acknowledged entries are deleted too: the stream holds only events not yet queued for delivery. */
  async acknowledge(entryIds: string[]): Promise<void> {
    if (entryIds.length === 0) return;
    await this.blockingReader()
      .multi()
      .xack(WEBHOOK_STREAM_KEY, WEBHOOK_CONSUMER_GROUP, ...entryIds)
      .xdel(WEBHOOK_STREAM_KEY, ...entryIds)
      .exec();
  }

  async backlog(): Promise<number> {
    return this.commands.xlen(WEBHOOK_STREAM_KEY);
  }

  private blockingReader(): RedisConnectionClient {
    this.reader ??= this.queues.dedicatedConnection();
    return this.reader;
  }
}

function decode([entryId, fields]: [string, string[] | null]): StreamedEvent {
  const index = fields ? fields.indexOf('event') : -1;
  return { entryId, event: index >= 0 ? (JSON.parse(fields![index + 1]) as WebhookEvent) : undefined };
}
