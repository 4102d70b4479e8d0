import { BeforeApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { IndexOperation, SearchIndexFailures } from './search-index-failures';
import { RoomIndexChange, SearchIndexRepository } from './search-index.repository';
import { termFrequencies } from './tokenizer';

/** Changes per script call: bounds its arguments (up to 500 words a message) and how long it holds Redis. */
export const MAX_CHANGES_PER_CALL = 64;

interface QueuedChange {
  operation: IndexOperation;
  kind: RoomIndexChange['kind'];
  messageId: string;
  content?: string;
}

/**
 * The search index writes of sends, edits, deletes and trims, off the message path: each is queued and the
 * queue is written after `SEARCH_INDEX_FLUSH_MS` (0: the next turn of the event loop), one script call per room
 * holding that room's changes in the order they were made, all rooms' calls sent together (auto-pipelining).
 * So a send costs the index no round trip and no command of its own under load, and the words are cut after
 * the ack is on its way. A failed call is logged and counted per change, never thrown: the message it follows
 * is stored and acknowledged already.
 */
@Injectable()
export class SearchIndexWriter implements BeforeApplicationShutdown {
  private queued = new Map<string, QueuedChange[]>();
  private isFlushScheduled = false;
  private readonly writing = new Set<Promise<void>>();
  private readonly flushMs: number;

  constructor(
    private readonly repository: SearchIndexRepository,
    private readonly failures: SearchIndexFailures,
    @Inject(APP_CONFIG) config: Pick<AppConfig, 'searchIndexFlushMs'>,
  ) {
    this.flushMs = config.searchIndexFlushMs;
  }

  index(room: string, { id, content }: { id: string; content: string }): void {
    this.enqueue(room, { operation: 'index', kind: 'new', messageId: id, content });
  }

  /** An edit: the message's words are replaced. */
  reindex(room: string, { id, content }: { id: string; content: string }): void {
    this.enqueue(room, { operation: 'reindex', kind: 'replace', messageId: id, content });
  }

  /** Deleted and trimmed messages. */
  unindex(room: string, messageIds: string[]): void {
    for (const messageId of messageIds) this.enqueue(room, { operation: 'unindex', kind: 'remove', messageId });
  }

  /** Writes what is queued now; resolves once that and every earlier write settled (failures are recorded). */
  async flush(): Promise<void> {
    const rooms = this.queued;
    this.queued = new Map();
    this.isFlushScheduled = false;
    for (const [room, changes] of rooms) {
      for (let start = 0; start < changes.length; start += MAX_CHANGES_PER_CALL) {
        this.track(this.write(room, changes.slice(start, start + MAX_CHANGES_PER_CALL)));
      }
    }
    await Promise.all(this.writing);
  }

  /** Before Redis closes: what a draining node acknowledged is written. */
  beforeApplicationShutdown(): Promise<void> {
    return this.flush();
  }

  private enqueue(room: string, change: QueuedChange): void {
    const changes = this.queued.get(room);
    if (changes) changes.push(change);
    else this.queued.set(room, [change]);
    if (this.isFlushScheduled) return;
    this.isFlushScheduled = true;
    if (this.flushMs === 0) setImmediate(() => void this.flush());
    else setTimeout(() => void this.flush(), this.flushMs);
  }

  private async write(room: string, changes: QueuedChange[]): Promise<void> {
    try {
      await this.repository.apply(
        room,
        changes.map(({ kind, messageId, content }) => ({ kind, messageId, ...(content === undefined ? {} : { terms: termFrequencies(content) }) })),
      );
    } catch (error) {
      this.failures.record(room, changes, error as Error);
    }
  }

  private track(write: Promise<void>): void {
    this.writing.add(write);
    void write.finally(() => this.writing.delete(write));
  }
}
