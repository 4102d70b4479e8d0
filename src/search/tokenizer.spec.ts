import { MAX_QUERY_WORDS, MAX_WORD_LENGTH, queryWords, segmenterWords, termFrequencies, words } from './tokenizer';

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
    expect(termFrequencies('Deploy deploy DEPLOY now')).toEqual(
      new Map([
        ['deploy', 3],
        ['now', 1],
      ]),
    );
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

  describe('matches the segmenter exactly on ASCII, which it scans by hand', () => {
    const ASCII = Array.from({ length: 0x80 }, (_, code) => String.fromCharCode(code));
    /** One character of each ICU word break class that occurs in ASCII, and a few of the rest. */
    const CLASS_REPRESENTATIVES = ['a', 'Z', '7', '_', ':', '.', "'", ',', ';', ' ', '-', '\n'];

    type Disagreement = { text: string; words: string[]; segmenter: string[] };

    /** The inputs where words() and the segmenter disagree, with both answers, at most a few. */
    function disagreements(texts: Iterable<string>): Disagreement[] {
      const found: Disagreement[] = [];
      for (const text of texts) {
        const fast = words(text);
        const reference = segmenterWords(text);
        if (fast.length !== reference.length || fast.some((word, i) => word !== reference[i])) {
          found.push({ text, words: fast, segmenter: reference });
          if (found.length === 5) break;
        }
      }
      return found;
    }

    function* allStrings(alphabet: string[], maxLength: number, prefix = ''): Generator<string> {
      yield prefix;
      if (prefix.length < maxLength) for (const character of alphabet) yield* allStrings(alphabet, maxLength, prefix + character);
    }

    it('on hand-picked cases', () => {
      const cases = [
        "don't",
        'e.g',
        'e.g.',
        'foo.bar',
        'a:b',
        '3.14',
        '1,000',
        '1,000.50',
        '1;2',
        "1'2",
        'a_b',
        '__a',
        '9_',
        '_',
        '__',
        ' _ ',
        ' __ ',
        '___',
        '_._',
        'a.',
        '.a',
        'a..b',
        "a.'b",
        'a:1',
        '1:2',
        'a.1',
        '1.a',
        '1,a',
        'a,b',
        'a;b',
        "a'b'c",
        'a1.2',
        'a1.b',
        '1a.b',
        '_.a',
        'a._',
        '1_.2',
        'a:b:c',
        'x::y',
        "'quoted'",
        '"double"',
        '@alice',
        '#ops',
        'C++',
        'C#',
        '.NET',
        "node.js's",
        "rock'n'roll",
        '10:30',
        '$1,299.00',
        '--flag=value',
        'snake_case_name',
        'CamelCase',
        'v2.0.1',
        'https://example.com/a_b/c.d?e=f&g=1,2#h',
        'foo@example.com',
        'a\r\nb',
        'a\tb',
        'a\u0000b',
        '\u007f',
        '',
        ' ',
        'a'.repeat(MAX_WORD_LENGTH + 6),
        `${'B'.repeat(MAX_WORD_LENGTH)}Z`,
        'a.'.repeat(40),
        `${'1,'.repeat(40)}1`,
        '_'.repeat(100),
        `${'x'.repeat(MAX_WORD_LENGTH - 1)}:y`,
        `${'9'.repeat(MAX_WORD_LENGTH)}.5`,
      ];
      expect(disagreements(cases)).toEqual([]);
    });

    it('on every ASCII string of up to two characters, and every ASCII character between two of each class', () => {
      const between = ASCII.flatMap((middle) => CLASS_REPRESENTATIVES.flatMap((left) => CLASS_REPRESENTATIVES.map((right) => left + middle + right)));
      expect(disagreements(allStrings(ASCII, 2))).toEqual([]);
      expect(disagreements(between)).toEqual([]);
    });

    it('on every string of up to four characters drawn from one of each class', () => {
      expect(disagreements(allStrings(CLASS_REPRESENTATIVES, 4))).toEqual([]);
    });

    // 50,000 rather than more: the segmenter costs about 20 µs a string, and this file was the unit tier's slowest
    it('on 50,000 random strings weighted toward the characters that join words', () => {
      const weighted = [..."aaabZZx779__..''::,,;;   \n\t-@/\"!?#"];
      let seed = 0x2545f491;
      /** xorshift32: the same strings on every run, so a failure can be replayed. */
      const random = (below: number): number => {
        seed ^= seed << 13;
        seed ^= seed >>> 17;
        seed ^= seed << 5;
        return (seed >>> 0) % below;
      };
      function* randomStrings(count: number): Generator<string> {
        for (let n = 0; n < count; n++) {
          let text = '';
          for (let pieces = random(14); pieces > 0; pieces--) {
            const choice = random(50);
            if (choice < 35) text += weighted[random(weighted.length)];
            else if (choice < 45) text += weighted[random(weighted.length)].repeat(2 + random(4));
            else if (choice < 49) text += ASCII[random(ASCII.length)];
            else text += weighted[random(weighted.length)].repeat(MAX_WORD_LENGTH - 2 + random(5));
          }
          yield text;
        }
      }
      expect(disagreements(randomStrings(50_000))).toEqual([]);
    });

    it('leaves text beyond ASCII to the segmenter', () => {
      expect(disagreements(['café', 'don\u2019t', 'a\u00a0b', 'x\u0301y', 'ＡＢＣ', 'e.g.\u00e9', 'a·b', '١٬٠٠٠', '😀a_b'])).toEqual([]);
    });
  });
});
