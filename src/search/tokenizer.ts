/** A word longer than this is cut there: long enough for any real word, short enough to bound key names. */
export const MAX_WORD_LENGTH = 64;
/** Distinct words indexed per message; a message of 4000 characters rarely has more than a few hundred. */
export const MAX_WORDS_PER_MESSAGE = 500;
/** Words of a query that count; all of them must match. */
export const MAX_QUERY_WORDS = 10;

const segmenter = new Intl.Segmenter(undefined, { granularity: 'word' });

/**
 * Case folding shared by messages and queries: NFKC first so that compatibility forms (full-width letters,
 * ligatures) meet their plain letters, then lower case (Unicode-aware in JavaScript: `ÜBER` → `über`).
 */
function fold(word: string): string {
  return word.normalize('NFKC').toLowerCase();
}

/** Printable ASCII without spaces: NFKC leaves it unchanged, it holds no whitespace, and a character is a code point. */
const PLAIN_ASCII = /^[!-~]*$/;

/** The words of `text` in order of appearance, folded; punctuation, spaces and symbols are not words. */
export function words(text: string): string[] {
  const result: string[] = [];
  for (const segment of segmenter.segment(text.normalize('NFKC'))) {
    if (!segment.isWordLike) continue;
    const word = folded(segment.segment);
    if (word) result.push(word);
  }
  return result;
}

/**
 * One word, folded and cut to MAX_WORD_LENGTH code points. Stored space-separated in Redis: a word never holds
 * whitespace (the segmenter keeps none in word-like segments). Most words are plain ASCII, which every step
 * but the lower case leaves as it is: that path runs on every message sent, the other only for the rest.
 */
function folded(segment: string): string {
  if (PLAIN_ASCII.test(segment)) return segment.length > MAX_WORD_LENGTH ? segment.slice(0, MAX_WORD_LENGTH).toLowerCase() : segment.toLowerCase();
  return Array.from(fold(segment).replace(/\s+/g, '')).slice(0, MAX_WORD_LENGTH).join('');
}

/** Each distinct word of a message with how often it occurs, the first MAX_WORDS_PER_MESSAGE distinct ones. */
export function termFrequencies(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const word of words(text)) {
    if (counts.has(word)) counts.set(word, counts.get(word)! + 1);
    else if (counts.size < MAX_WORDS_PER_MESSAGE) counts.set(word, 1);
  }
  return counts;
}

/** The distinct words of a query, at most MAX_QUERY_WORDS of them. */
export function queryWords(query: string): string[] {
  return [...new Set(words(query))].slice(0, MAX_QUERY_WORDS);
}
