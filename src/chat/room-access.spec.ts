import { AuthUser } from '../auth/auth-user';
import { canHaveDmRoom, dmRoomOf, mayJoin } from './room-access';

const user = (id: string, extra: Partial<AuthUser> = {}): AuthUser => ({ id, roles: [], expiresAtSec: 0, ...extra });

describe('room access', () => {
  it('names a DM room the same whoever writes first', () => {
    expect(dmRoomOf('bob', 'alice')).toBe('dm:alice:bob');
    expect(dmRoomOf('alice', 'bob')).toBe('dm:alice:bob');
  });

  it('lets only the two users of a DM room in, admins included', () => {
    expect(mayJoin(user('alice'), 'dm:alice:bob')).toBe(true);
    expect(mayJoin(user('bob'), 'dm:alice:bob')).toBe(true);
    expect(mayJoin(user('carol'), 'dm:alice:bob')).toBe(false);
    expect(mayJoin(user('carol', { roles: ['admin'] }), 'dm:alice:bob')).toBe(false);
    expect(mayJoin(user('bob'), 'dm:bob:alice')).toBe(false);
    expect(mayJoin(user('a'), 'dm:a:b:c')).toBe(false);
    expect(mayJoin(user('ali'), 'dm:ali:alice')).toBe(true);
    expect(mayJoin(user('alice'), 'dm:alice:alice')).toBe(true);
  });

  it('lets anyone into any room when the token has no rooms claim', () => {
    expect(mayJoin(user('alice'), 'general')).toBe(true);
  });

  it('limits a token with a rooms claim to its exact names and prefix patterns; admins are not limited', () => {
    const limited = user('alice', { rooms: ['general', 'team-a:*'] });
    expect(mayJoin(limited, 'general')).toBe(true);
    expect(mayJoin(limited, 'general2')).toBe(false);
    expect(mayJoin(limited, 'team-a:design')).toBe(true);
    expect(mayJoin(limited, 'team-a:')).toBe(true);
    expect(mayJoin(limited, 'team-b:design')).toBe(false);
    expect(mayJoin(user('alice', { rooms: [] }), 'general')).toBe(false);
    expect(mayJoin(user('root', { rooms: [], roles: ['admin'] }), 'general')).toBe(true);
  });
});

describe('DM-capable user ids', () => {
  it('keeps to room-name characters without a colon, so that a DM room names one pair', () => {
    expect(canHaveDmRoom('alice.smith-2')).toBe(true);
    expect(canHaveDmRoom('a:b')).toBe(false);
    expect(canHaveDmRoom('auth0|123')).toBe(false);
    expect(canHaveDmRoom('x'.repeat(63))).toBe(false);
  });
});
