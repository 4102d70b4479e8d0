import { ContractError } from '../common/contract-error';
import { userOf } from '../testing/fakes';
import { AccessPolicy, Author, Grantee, NamedAuthor, Permission, RoomMember, SubjectOf } from './access-policy';

const policy = new AccessPolicy();

/** Every kind of room a rule tells apart: open names, a `prefix*` match and its near misses, DM rooms, a malformed DM name. */
const ROOMS = ['general', 'general-2', 'team', 'team-red', 'secret', 'dm:ann:bob', 'dm:bob:carol', 'dm:bob:ann'];

const grantee = (id: string, fields: Partial<Grantee> = {}): Grantee => ({ id, roles: [], ...fields });

/** Who may read (and so join) which room, per kind of grants. */
const READERS: [string, Grantee, string[]][] = [
  ['a token without a rooms claim', grantee('ann'), ['general', 'general-2', 'team', 'team-red', 'secret', 'dm:ann:bob']],
  ['a token whose claim lists names and prefix* patterns', grantee('ann', { rooms: ['general', 'team-*'] }), ['general', 'team-red', 'dm:ann:bob']],
  ['a token with an empty rooms claim (still its DM rooms)', grantee('bob', { rooms: [] }), ['dm:ann:bob', 'dm:bob:carol']],
  [
    'an admin, whatever the claim, but no DM room of others',
    grantee('root', { roles: ['admin'], rooms: [] }),
    ['general', 'general-2', 'team', 'team-red', 'secret'],
  ],
  [
    'an admin who is one of a DM pair',
    grantee('carol', { roles: ['admin'], rooms: ['x'] }),
    ['general', 'general-2', 'team', 'team-red', 'secret', 'dm:bob:carol'],
  ],
  ['the grants kept for a service token', grantee('crm', { roles: ['service'], rooms: ['team-*'] }), ['team-red']],
  ['a user id that cannot have a DM room', grantee('a:b', { rooms: [] }), []],
];

function refusalOf<P extends Permission>(subject: SubjectOf[P], permission: P, room: string): ContractError | undefined {
  try {
    policy.requireAccess(subject, permission, room);
    return undefined;
  } catch (error) {
    if (error instanceof ContractError) return error;
    throw error;
  }
}

/** The rooms a subject is let into, by requireAccess; hasAccess must agree with it on every room. */
function allowed<P extends Permission>(subject: SubjectOf[P], permission: P): string[] {
  const rooms = ROOMS.filter((room) => refusalOf(subject, permission, room) === undefined);
  expect(ROOMS.filter((room) => policy.hasAccess(subject, permission, room))).toEqual(rooms);
  return rooms;
}

describe('AccessPolicy', () => {
  describe.each(READERS)('%s', (_kind, subject, readable) => {
    const isAdmin = subject.roles.includes('admin');

    it.each(['room.join', 'room.read', 'message.edit'] as const)('%s: exactly the readable rooms', (permission) => {
      expect(allowed(subject, permission)).toEqual(readable);
    });

    it('message.delete: every room for an admin (moderation reaches DM rooms), the readable ones otherwise', () => {
      expect(allowed(subject, 'message.delete')).toEqual(isAdmin ? ROOMS : readable);
    });

    it('room.moderate: every room for an admin, none otherwise', () => {
      expect(allowed(subject, 'room.moderate')).toEqual(isAdmin ? ROOMS : []);
    });
  });

  it('refuses reading with forbidden, naming the room', () => {
    expect(refusalOf(grantee('ann', { rooms: ['team-*'] }), 'room.read', 'secret')?.toBody()).toEqual({
      code: 'forbidden',
      message: 'no access to room secret',
    });
    expect(refusalOf(grantee('root', { roles: ['admin'] }), 'room.join', 'dm:ann:bob')?.code).toBe('forbidden');
    expect(refusalOf(grantee('ann'), 'room.moderate', 'general')?.toBody()).toEqual({
      code: 'forbidden',
      message: 'moderating room general needs the admin role',
    });
  });

  describe('room.write', () => {
    const joined: RoomMember = { rooms: new Set(['general', 'dm:ann:bob']) };

    it('lets a connection act only in the rooms it joined, whatever its grants', () => {
      expect(allowed(joined, 'room.write')).toEqual(['general', 'dm:ann:bob']);
      expect(allowed({ rooms: new Set<string>() }, 'room.write')).toEqual([]);
    });

    it('refuses with not_joined and the room in details', () => {
      expect(refusalOf(joined, 'room.write', 'secret')?.toBody()).toEqual({
        code: 'not_joined',
        message: 'join room secret first',
        details: { room: 'secret' },
      });
    });
  });

  describe('message.author', () => {
    const named = (id: string, isBanned = false): NamedAuthor => ({ id, isBanned });
    const AUTHORS: [string, Author, string[]][] = [
      [
        "a connection's user (admitted by its handshake)",
        userOf('ann', { rooms: ['team-*'] }),
        ['general', 'general-2', 'team', 'team-red', 'secret', 'dm:ann:bob'],
      ],
      ['a user a service names', named('bob'), ['general', 'general-2', 'team', 'team-red', 'secret', 'dm:ann:bob', 'dm:bob:carol']],
      ["the server API's default author", named('system'), ['general', 'general-2', 'team', 'team-red', 'secret']],
      ['an admin a service names', named('root'), ['general', 'general-2', 'team', 'team-red', 'secret']],
      ['a banned user a service names', named('bob', true), []],
    ];

    it.each(AUTHORS)('%s: rooms it may author in', (_kind, author, rooms) => {
      expect(allowed(author, 'message.author')).toEqual(rooms);
    });

    it('answers a banned author with the ban first, a third user in a DM room with the pair rule', () => {
      expect(refusalOf(named('bob', true), 'message.author', 'dm:bob:carol')?.toBody()).toEqual({
        code: 'forbidden',
        message: 'bob is banned and may not author messages',
      });
      expect(refusalOf(named('system'), 'message.author', 'dm:ann:bob')?.toBody()).toEqual({
        code: 'forbidden',
        message: 'only the two users of a DM room may write in it, and system is not one of dm:ann:bob',
      });
    });
  });
});
