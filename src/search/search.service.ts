import { Inject, Injectable } from '@nestjs/common';
import { ContractError } from '../common/contract-error';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { compareStreamIds } from '../redis/stream-ids';
import { RoomMatch, SearchIndexRepository } from './search-index.repository';
import { queryWords } from './tokenizer';

export const MAX_SEARCH_LIMIT = 50;
/**
 * Posting lookups one search of several words may cost across all its rooms: shared out as each room's walk
 * (at least one posting). A walked posting costs 1 to 4 µs of Redis time (measured, docs/SEARCH.md "Bounds"), so
 * a search stays within a few milliseconds however common its words are and however many rooms it covers.
 */
export const SEARCH_LOOKUPS_PER_SEARCH = 2000;

export interface SearchHit {
  room: string;
  messageId: string;
}

export interface SearchResult {
  hits: SearchHit[];
  /** A room's walk hit its bound before its page was full: more messages may match. */
  isPartial: boolean;
}

/**
 * Full-text search over messages: whole words, case-insensitive, Unicode-aware. Access is the caller's job: it
 * passes only the rooms the user may read.
 */
@Injectable()
export class SearchService {
  constructor(private readonly repository: SearchIndexRepository) {}

  /** Ids of the messages holding every word of the query, best first; none for a query without words. */
  async search(query: string, rooms: string[], limit: number): Promise<SearchResult> {
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SEARCH_LIMIT) {
      throw new ContractError('validation_failed', `limit must be 1 to ${MAX_SEARCH_LIMIT}`, { limit });
    }
    const words = queryWords(query);
    const distinctRooms = [...new Set(rooms)];
    if (words.length === 0 || distinctRooms.length === 0) return { hits: [], isPartial: false };
    const walk = Math.max(1, Math.floor(SEARCH_LOOKUPS_PER_SEARCH / (distinctRooms.length * Math.max(1, words.length - 1))));
    const { matches, isCut } = await this.repository.search(distinctRooms, words, limit, walk);
    return {
      hits: matches
        .sort(byRank)
        .slice(0, limit)
        .map(({ room, messageId }) => ({ room, messageId })),
      isPartial: isCut,
    };
  }
}

/**
 * At most `SEARCH_RATE_LIMIT` searches per second per user, across nodes: a search over many rooms costs far
 * more Redis time than the events the general budget counts.
 */
@Injectable()
export class SearchRateLimit {
  private readonly perSecond: number;

  constructor(
    private readonly repository: SearchIndexRepository,
    @Inject(APP_CONFIG) config: Pick<AppConfig, 'searchRateLimit'>,
  ) {
    this.perSecond = config.searchRateLimit;
  }

  async assertWithinRate(userId: string): Promise<void> {
    if (this.perSecond === 0) return;
    const retryAfterMs = await this.repository.takeSearchTurn(userId, this.perSecond);
    if (retryAfterMs > 0) {
      throw new ContractError('rate_limited', `at most ${this.perSecond} searches per second`, { retryAfterMs });
    }
  }
}

/** Best score first; among equals the newer message (stream ids: milliseconds, then sequence). */
export function byRank(a: RoomMatch, b: RoomMatch): number {
  if (a.score !== b.score) return b.score - a.score;
  return compareStreamIds(b.messageId, a.messageId);
}
