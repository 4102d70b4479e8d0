/**
 * Every Redis key of the search index. A room's keys carry its `{room}` hash tag: the index of a room sits in
 * the slot of its messages, so that the script applying a room's index changes reads the stream's lifetime on Redis Cluster.
 */
export const searchKeys = {
  /** Hash: message id -> its indexed words, space-separated: what an edit, delete or trim must take back. */
  documents: (room: string) => `search:{${room}}:docs`,
  /** Prefix of the postings: sorted set `<prefix><word>`, member message id, score the word's count in it. */
  postingsPrefix: (room: string) => `search:{${room}}:w:`,
  postings: (room: string, word: string) => `search:{${room}}:w:${word}`,
  /** Counter of a user's searches in the current one-second window, across nodes. */
  rate: (userId: string) => `search:rate:{user:${userId}}`,
};
