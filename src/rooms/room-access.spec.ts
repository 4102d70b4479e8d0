import { AuthUser } from '../common/auth-user';
import { dmMembersOf, dmRoomOf, mayJoin } from './room-access';

const user = (id: string, extra: Partial<AuthUser> = {}): AuthUser => ({ id, roles: [], tokenId: 't', expiresAtSec: 0, ...extra });

describe('room access', () => {
  it('names a DM room after its two users, lower id first', () => {
    expect(dmRoomOf('bob', 'alice')).toBe('dm:alice:bob');
    expect(dmRoomOf('alice', 'bob')).toBe('dm:alice:bob');
    expect(dmMembersOf('dm:alice:bob')).toEqual(['alice', 'bob']);
  });

  it('does not take a name dmRoomOf would not make for a DM room', () => {
    for (const room of ['dm:bob:alice', 'dm:a:b:c', 'dm::bob', 'dm:alice:', 'dm:alice', 'general']) expect(dmMembersOf(room)).toBeUndefined();
  });

  it('opens a DM room to its two users only, admins included', () => {
    expect(mayJoin(user('alice'), 'dm:alice:bob')).toBe(true);
    expect(mayJoin(user('bob', { rooms: ['general'] }), 'dm:alice:bob')).toBe(true);
    expect(mayJoin(user('carol'), 'dm:alice:bob')).toBe(false);
    expect(mayJoin(user('root', { roles: ['admin'] }), 'dm:alice:bob')).toBe(false);
    expect(mayJoin(user('a:b'), 'dm:a:b:c')).toBe(false);
    expect(mayJoin(user('b:c'), 'dm:a:b:c')).toBe(false);
  });

  it('limits other rooms to the exact names and prefix* patterns of the rooms claim', () => {
    const limited = user('alice', { rooms: ['general', 'team-*'] });
    expect(mayJoin(limited, 'general')).toBe(true);
    expect(mayJoin(limited, 'team-red')).toBe(true);
    expect(mayJoin(limited, 'team')).toBe(false);
    expect(mayJoin(limited, 'general-2')).toBe(false);
    expect(mayJoin(user('alice'), 'anything')).toBe(true);
    expect(mayJoin(user('root', { roles: ['admin'], rooms: [] }), 'anything')).toBe(true);
  });
});
