import { compareStreamIds, timeOfStreamId } from '../redis/stream-ids';
import { decodeMessage, encodeMessage, withOverlays } from './message.codec';

describe('message codec', () => {
  it('round-trips a message through stream fields, deriving createdAt from the id', () => {
    const fields = encodeMessage({ userId: 'alice', name: 'Alice', content: 'hi', clientMsgId: 'c1', replyTo: '1-0' });
    expect(decodeMessage('general', '1700000000123-4', fields)).toEqual({
      id: '1700000000123-4',
      room: 'general',
      userId: 'alice',
      name: 'Alice',
      content: 'hi',
      createdAt: 1700000000123,
      clientMsgId: 'c1',
      replyTo: '1-0',
    });
  });

  it('leaves optional fields out rather than undefined', () => {
    const message = decodeMessage('r', '5-0', encodeMessage({ userId: 'u', content: 'c' }));
    expect(Object.keys(message).sort()).toEqual(['content', 'createdAt', 'id', 'room', 'userId']);
  });

  it('applies the latest edit and non-empty reaction counts', () => {
    const base = () => decodeMessage('r', '5-0', encodeMessage({ userId: 'u', content: 'old' }));
    expect(withOverlays(base(), JSON.stringify({ content: 'new', editedAt: 9 }), JSON.stringify({ '👍': 2 }))).toMatchObject({
      content: 'new',
      editedAt: 9,
      reactions: { '👍': 2 },
    });
    expect(withOverlays(base(), null, JSON.stringify({}))).not.toHaveProperty('reactions');
  });

  it('takes the mentions of an edit that carries them, and keeps the sent ones under an edit that does not', () => {
    const sent = () => decodeMessage('r', '5-0', encodeMessage({ userId: 'u', content: '@bob', mentions: ['bob'] }));
    expect(withOverlays(sent(), JSON.stringify({ content: '@cid @dan', editedAt: 9, mentions: 'cid dan' }), null).mentions).toEqual(['cid', 'dan']);
    expect(withOverlays(sent(), JSON.stringify({ content: 'nobody', editedAt: 9, mentions: '' }), null)).not.toHaveProperty('mentions');
    expect(withOverlays(sent(), JSON.stringify({ content: 'older edit', editedAt: 9 }), null).mentions).toEqual(['bob']);
  });

  it('orders ids numerically, not as strings', () => {
    expect(compareStreamIds('999-0', '1000-0')).toBeLessThan(0);
    expect(compareStreamIds('1000-10', '1000-9')).toBeGreaterThan(0);
    expect(compareStreamIds('7-1', '7-1')).toBe(0);
    expect(timeOfStreamId('1700000000000-3')).toBe(1700000000000);
  });
});
