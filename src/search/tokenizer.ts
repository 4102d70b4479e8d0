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
  return asciiWords(text) ?? segmenterWords(text);
}

/**
 * What words() is: Unicode word boundaries (UAX #29 as ICU tailors it for the process's default locale), the
 * word-like segments folded. Exported for the spec, which holds words() to it.
 */
export function segmenterWords(text: string): string[] {
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
 * whitespace (the segmenter keeps none in word-like segments). Even in text beyond ASCII most words are plain
 * ASCII, which every step but the lower case leaves as it is.
 */
function folded(segment: string): string {
  if (PLAIN_ASCII.test(segment)) return segment.length > MAX_WORD_LENGTH ? segment.slice(0, MAX_WORD_LENGTH).toLowerCase() : segment.toLowerCase();
  return Array.from(fold(segment).replace(/\s+/g, '')).slice(0, MAX_WORD_LENGTH).join('');
}

// ICU word break classes of ASCII, the three that words are made of first. Spaces, line breaks, controls and
// the other punctuation never join a word: they are all OTHER.
const LETTER = 0;
const DIGIT = 1;
const UNDERSCORE = 2; // ExtendNumLet: joins letters, digits and itself
const MID_LETTER = 3; // `:` between two letters
const MID_NUM_LET = 4; // `.` and `'` between two letters or two digits
const MID_NUM = 5; // `,` and `;` between two digits
const OTHER = 6;
const BEYOND_ASCII = 7;

const ASCII_WORD_BREAK_CLASS = ((): Uint8Array => {
  const classes = new Uint8Array(0x80).fill(OTHER);
  for (let code = 0x30; code <= 0x39; code++) classes[code] = DIGIT;
  for (let code = 0x41; code <= 0x5a; code++) classes[code] = LETTER;
  for (let code = 0x61; code <= 0x7a; code++) classes[code] = LETTER;
  classes[0x5f] = UNDERSCORE;
  classes[0x3a] = MID_LETTER;
  classes[0x2e] = MID_NUM_LET;
  classes[0x27] = MID_NUM_LET;
  classes[0x2c] = MID_NUM;
  classes[0x3b] = MID_NUM;
  return classes;
})();

function wordBreakClass(code: number): number {
  return code < 0x80 ? ASCII_WORD_BREAK_CLASS[code] : BEYOND_ASCII;
}

/**
 * segmenterWords for text of ASCII characters only (U+0000 to U+007F), undefined for any other text. Most
 * messages are plain ASCII, and the segmenter allocates an object per segment, spaces and punctuation included;
 * this scanner allocates only the words. ASCII is its own NFKC form and a character there is a code unit, so
 * folding is lower case and a cut. The scanner copies ICU's rules for ASCII (UAX #29 WB5 to WB13b): letters,
 * digits and `_` join one another; `:` joins two letters, `,` and `;` two digits, `.` and `'` either. A segment
 * is word-like unless it is a lone `_`. No locale the process can take from its environment tailors these rules
 * (only an explicit en-US-u-va-posix would), and the spec holds words() to segmenterWords on the running ICU.
 */
function asciiWords(text: string): string[] | undefined {
  const result: string[] = [];
  let index = 0;
  while (index < text.length) {
    const first = wordBreakClass(text.charCodeAt(index));
    if (first === BEYOND_ASCII) return undefined;
    if (first > UNDERSCORE) {
      index++;
      continue;
    }
    const start = index;
    let last = first;
    index++;
    while (index < text.length) {
      const next = wordBreakClass(text.charCodeAt(index));
      if (next <= UNDERSCORE) {
        last = next;
        index++;
        continue;
      }
      const after = index + 1 < text.length ? wordBreakClass(text.charCodeAt(index + 1)) : OTHER;
      const joinsLetters = last === LETTER && after === LETTER && (next === MID_LETTER || next === MID_NUM_LET);
      const joinsDigits = last === DIGIT && after === DIGIT && (next === MID_NUM || next === MID_NUM_LET);
      if (!joinsLetters && !joinsDigits) break;
      index += 2;
    }
    if (index - start === 1 && last === UNDERSCORE) continue;
    result.push(text.slice(start, Math.min(index, start + MAX_WORD_LENGTH)).toLowerCase());
  }
  return result;
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
