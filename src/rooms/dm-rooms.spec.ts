import { dmMembersOf, dmRoomOf } from './dm-rooms';

describe('DM room names', () => {
  it('names a DM room after its two users, lower id first', () => {
    expect(dmRoomOf('bob', 'alice')).toBe('dm:alice:bob');
    expect(dmRoomOf('alice', 'bob')).toBe('dm:alice:bob');
    expect(dmMembersOf('dm:alice:bob')).toEqual(['alice', 'bob']);
  });

  it('does not take a name dmRoomOf would not make for a DM room', () => {
    for (const room of ['dm:bob:alice', 'dm:a:b:c', 'dm::bob', 'dm:alice:', 'dm:alice', 'general']) expect(dmMembersOf(room)).toBeUndefined();
  });
});
