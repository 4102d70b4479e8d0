import { compareStreamIds, timeOfStreamId } from './stream-ids';

describe('stream ids', () => {
  it('order by milliseconds, then sequence, as numbers', () => {
    expect(['1000-0', '999-12', '999-2', '1000-10', '1000-9'].sort(compareStreamIds)).toEqual(['999-2', '999-12', '1000-0', '1000-9', '1000-10']);
    expect(timeOfStreamId('1733500000000-7')).toBe(1733500000000);
  });
});
