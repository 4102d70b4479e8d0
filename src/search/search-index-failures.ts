import { Injectable, Logger } from '@nestjs/common';
import { Counter } from 'prom-client';
import { MetricsService } from '../metrics/metrics.service';

export type IndexOperation = 'index' | 'reindex' | 'unindex';

/**
 * Index writes follow the message operation without being awaited by it, so their failures reach no client:
 * they are logged and counted here (`chat_search_index_failures_total`), and the message stays stored.
 */
@Injectable()
export class SearchIndexFailures {
  private readonly logger = new Logger('SearchIndex');
  private readonly failures: Counter<'operation'>;

  constructor(metrics: MetricsService) {
    this.failures = new Counter({
      name: 'chat_search_index_failures_total',
      help: 'Search index writes that failed after their message was stored, edited or removed',
      labelNames: ['operation'] as const,
      registers: [metrics.registry],
    });
  }

  /** One log line per failed call, one count per change it carried. */
  record(room: string, changes: { operation: IndexOperation; messageId: string }[], error: Error): void {
    for (const { operation } of changes) this.failures.inc({ operation });
    const described = changes.map(({ operation, messageId }) => `${operation} ${messageId}`).join(', ');
    this.logger.warn(`search index writes in ${room} failed (${described}): ${error.message}`);
  }
}
