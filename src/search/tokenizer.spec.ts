import { MAX_QUERY_WORDS, MAX_WORD_LENGTH, queryWords, termFrequencies, words } from './tokenizer';

describe('search tokenizer', () => {
  it('splits on spaces and punctuation and drops symbols', () => {
    expect(words('Hello, world! (deploy) -- v2.0 ready? #ops 🚀')).toEqual(['hello', 'world', 'deploy', 'v2.0', 'ready', 'ops']);
  });

  it('folds case beyond ASCII', () => {
    expect(words('ÜBER Straße ÉCOLE МИР Ωμέγα')).toEqual(['über', 'straße', 'école', 'мир', 'ωμέγα']);
  });

  it('meets compatibility forms with their plain letters (NFKC)', () => {
    expect(words('ＨＥＬＬＯ ﬁle')).toEqual(['hello', 'file']);
    // decomposed é (e + combining acute) and precomposed é are one word
    expect(words('cafe\u0301')).toEqual(words('café'));
  });

  it('keeps apostrophes and inner dots inside a word, as Unicode word boundaries do', () => {
    expect(words("don't e.g.")).toEqual(["don't", 'e.g']);
  });

  it('segments scripts written without spaces into words', () => {
    const japanese = words('東京都に住んでいます');
    expect(japanese.length).toBeGreaterThan(1);
    expect(japanese.join('')).toBe('東京都に住んでいます');
  });

  it('counts repeated words once per occurrence, case-insensitively', () => {
    expect(termFrequencies('Deploy deploy DEPLOY now')).toEqual(new Map([['deploy', 3], ['now', 1]]));
  });

  it('cuts words at MAX_WORD_LENGTH characters', () => {
    expect(words('a'.repeat(MAX_WORD_LENGTH + 10))).toEqual(['a'.repeat(MAX_WORD_LENGTH)]);
    expect(words(`${'B'.repeat(MAX_WORD_LENGTH)}Z`)).toEqual(['b'.repeat(MAX_WORD_LENGTH)]);
    // code points, not UTF-16 units, beyond ASCII
    expect(words('😀'.repeat(3) + 'é'.repeat(MAX_WORD_LENGTH + 5))[0]).toHaveLength(MAX_WORD_LENGTH);
  });

  it('takes distinct query words, at most MAX_QUERY_WORDS, and none from punctuation', () => {
    expect(queryWords('Deploy, deploy! failed')).toEqual(['deploy', 'failed']);
    expect(queryWords('?!... ---')).toEqual([]);
    expect(queryWords(Array.from({ length: 20 }, (_, i) => `w${i}`).join(' '))).toHaveLength(MAX_QUERY_WORDS);
  });
});
