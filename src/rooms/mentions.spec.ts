import { MAX_MENTIONS_PER_MESSAGE, parseMentions } from './mentions';

describe('parseMentions', () => {
  it.each([
    ['@bob hi', ['bob']],
    ['hi @bob', ['bob']],
    ['thanks @bob.', ['bob']],
    ['(@bob) and "@carol", @dave!', ['bob', 'carol', 'dave']],
    ['@team.lead: look', ['team.lead']],
    ['@a-b_c.d', ['a-b_c.d']],
    ['@bob @bob @alice', ['bob', 'alice']],
  ])('finds the ids in %j', (content, ids) => {
    expect(parseMentions(content)).toEqual(ids);
  });

  it.each(['mail@bob', "@bob's", '@', '@!', 'a@b @', '@bob/x', '@bób'])('finds none in %j', (content) => {
    expect(parseMentions(content)).toEqual([]);
  });

  it('keeps at most MAX_MENTIONS_PER_MESSAGE distinct ids', () => {
    const content = Array.from({ length: 50 }, (_, i) => `@user${i}`).join(' ');
    expect(parseMentions(content)).toHaveLength(MAX_MENTIONS_PER_MESSAGE);
  });
});
