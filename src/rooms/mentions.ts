/** More distinct mentions than this in one message are ignored: each one costs a lookup and maybe a push. */
export const MAX_MENTIONS_PER_MESSAGE = 20;

/**
 * A whitespace-separated word that is `@userId`, optionally wrapped in brackets or quotes and followed by
 * punctuation: "(@bob)", "@bob,", "thanks @bob.". The id is 1 to 128 characters of `A-Z a-z 0-9 _ . : -`
 * (what user ids may hold in a DM room name); a trailing `.`, `:` or `-` ends a sentence, not the id.
 * "mail@bob" and "@bob's" are not mentions: the whole word must be one.
 */
const MENTION_WORD = /^[(["']?@([A-Za-z0-9_.:-]{1,128}?)[.:-]*[,;!?)\]"']*$/;

/** The distinct user ids named in `content`, in order of first appearance. Callers skip content without '@'. */
export function parseMentions(content: string): string[] {
  const found = new Set<string>();
  for (const word of content.split(/\s+/)) {
    const userId = MENTION_WORD.exec(word)?.[1];
    if (!userId) continue;
    found.add(userId);
    if (found.size === MAX_MENTIONS_PER_MESSAGE) break;
  }
  return [...found];
}
