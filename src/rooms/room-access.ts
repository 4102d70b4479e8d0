import { AuthUser, isAdmin } from '../common/auth-user';
import { DM_ROOM_PREFIX } from '../common/contract';
import { forbidden } from '../common/contract-error';

/** `dm:<lower id>:<higher id>`: one room per pair of users, whoever writes first. */
export function dmRoomOf(a: string, b: string): string {
  return a < b ? `${DM_ROOM_PREFIX}${a}:${b}` : `${DM_ROOM_PREFIX}${b}:${a}`;
}

export function isDmRoom(room: string): boolean {
  return room.startsWith(DM_ROOM_PREFIX);
}

/**
 * The two users of a DM room, or undefined when the name is not one `dmRoomOf` makes. User ids holding ":"
 * cannot have a DM room: `dm:a:b:c` could belong to (a, b:c) as well as (a:b, c).
 */
export function dmMembersOf(room: string): [string, string] | undefined {
  if (!isDmRoom(room)) return undefined;
  const pair = room.slice(DM_ROOM_PREFIX.length).split(':');
  if (pair.length !== 2 || !pair[0] || !pair[1] || pair[0] > pair[1]) return undefined;
  return [pair[0], pair[1]];
}

/**
 * Who may join (and so read) a room. A DM room: its two users only, admins included. Any other room: everyone,
 * unless the token carries `rooms`, then only the names and `prefix*` patterns it lists; admins may join any.
 */
export function mayJoin(user: Pick<AuthUser, 'id' | 'roles' | 'rooms'>, room: string): boolean {
  if (isDmRoom(room)) return dmMembersOf(room)?.includes(user.id) ?? false;
  if (!user.rooms || isAdmin(user)) return true;
  return user.rooms.some((grant) => (grant.endsWith('*') ? room.startsWith(grant.slice(0, -1)) : room === grant));
}

export function assertMayJoin(user: AuthUser, room: string): void {
  if (!mayJoin(user, room)) throw forbidden(`no access to room ${room}`);
}
