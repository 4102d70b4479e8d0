import { Injectable } from '@nestjs/common';
import { ContractError } from '../common/contract-error';
import { IndexWrite, RoomMatch, SearchIndexRepository } from './search-index.repository';
import { queryWords, termFrequencies } from './tokenizer';

export const MAX_SEARCH_LIMIT = 50;

export interface SearchHit {
  room: string;
  messageId: string;
}

/**
 * Full-text search over messages: whole words, case-insensitive, Unicode-aware. Access is the caller's job: it
 * passes only the rooms the user may read.
 */
@Injectable()
export class SearchService {
  constructor(private readonly repository: SearchIndexRepository) {}

  /** What the room store folds into its send script for a message of this content (see SearchIndexRepository). */
  indexWrite(room: string, content: string): IndexWrite {
    return this.repository.indexWrite(room, termFrequencies(content));
  }

  /** Ids of the messages holding every word of the query, best first; none for a query without words. */
  async search(query: string, rooms: string[], limit: number): Promise<SearchHit[]> {
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SEARCH_LIMIT) {
      throw new ContractError('validation_failed', `limit must be 1 to ${MAX_SEARCH_LIMIT}`, { limit });
    }
    const words = queryWords(query);
    if (words.length === 0 || rooms.length === 0) return [];
    const matches = await this.repository.search([...new Set(rooms)], words, limit);
    return matches.sort(byRank).slice(0, limit).map(({ room, messageId }) => ({ room, messageId }));
  }
}

/** Best score first; among equals the newer message (stream ids: milliseconds, then sequence). */
export function byRank(a: RoomMatch, b: RoomMatch): number {
  if (a.score !== b.score) return b.score - a.score;
  const [aMs, aSeq] = a.messageId.split('-').map(Number);
  const [bMs, bSeq] = b.messageId.split('-').map(Number);
  return bMs - aMs || bSeq - aSeq || (a.messageId < b.messageId ? 1 : -1);
}
