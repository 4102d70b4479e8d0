import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { REDIS_COMMANDS } from '../redis/redis.tokens';
import { roomKeys } from '../rooms/keys';
import { searchKeys } from './keys';
import { searchScripts } from './search.scripts';

export interface RoomMatch {
  room: string;
  messageId: string;
  score: number;
}

export interface RoomMatches {
  matches: RoomMatch[];
  /** Some room's walk stopped at its bound before its page was full: matches may have been missed. */
  isCut: boolean;
}

/**
 * One change to a room's index: `new` a sent message (skipped when the id is indexed already: an edit got there
 * first), `replace` an edited one, `remove` a deleted or trimmed one (no terms).
 */
export interface RoomIndexChange {
  kind: 'new' | 'replace' | 'remove';
  messageId: string;
  terms?: Map<string, number>;
}

/** The only code that knows the search keys: an inverted index per room, kept by Lua scripts. */
@Injectable()
export class SearchIndexRepository {
  constructor(@Inject(REDIS_COMMANDS) private readonly redis: Redis) {}

  /** Applies a room's changes in order, in one script call (the room's index is in its messages' slot), expiring with the messages. */
  async apply(room: string, changes: RoomIndexChange[]): Promise<void> {
    const args: string[] = [];
    for (const { kind, messageId, terms } of changes) args.push(kind, messageId, String(terms?.size ?? 0), ...flatten(terms ?? new Map()));
    await searchScripts.applyWrites.run(this.redis, [searchKeys.documents(room), roomKeys.messages(room)], [searchKeys.postingsPrefix(room), ...args]);
  }

  /** Counts a search of the user's; 0 when it is within `perSecond`, else the milliseconds to wait. */
  takeSearchTurn(userId: string, perSecond: number): Promise<number> {
    return searchScripts.takeTurn.run(this.redis, [searchKeys.rate(userId)], [perSecond]);
  }

  /**
   * Up to `limit` matches of each room, walking at most `walk` postings per room for several words (see
   * search-room.lua); one script per room (a room's index lives in its own slot), sent together, so the rooms
   * cost one round trip on a standalone Redis and one per shard on a Cluster.
   */
  async search(rooms: string[], words: string[], limit: number, walk: number): Promise<RoomMatches> {
    const perRoom = await Promise.all(
      rooms.map((room) =>
        searchScripts.search.run(this.redis, [searchKeys.documents(room), ...words.map((word) => searchKeys.postings(room, word))], [limit, walk]),
      ),
    );
    const matches: RoomMatch[] = [];
    perRoom.forEach(({ flat }, index) => {
      for (let i = 0; i < flat.length; i += 2) matches.push({ room: rooms[index], messageId: flat[i], score: Number(flat[i + 1]) });
    });
    return { matches, isCut: perRoom.some(({ isCut }) => isCut) };
  }
}

function flatten(terms: Map<string, number>): string[] {
  const flat: string[] = [];
  for (const [word, count] of terms) flat.push(word, String(count));
  return flat;
}
