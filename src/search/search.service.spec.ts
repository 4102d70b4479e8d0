import { byRank } from './search.service';

describe('byRank', () => {
  it('ranks hits by score, then the newest id first, ids compared as numbers', () => {
    const hits = [
      { room: 'a', messageId: '999-0', score: 1 },
      { room: 'a', messageId: '1000-2', score: 1 },
      { room: 'b', messageId: '1000-10', score: 1 },
      { room: 'b', messageId: '5-0', score: 2 },
    ];
    expect(hits.sort(byRank).map((hit) => hit.messageId)).toEqual(['5-0', '1000-10', '1000-2', '999-0']);
  });
});
