import { AuthUser, isAdmin } from '../auth/auth-user';
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
 * Who may join (and so read) a room. A DM room: its two users only, admins included. Any other room: everyone,
 * unless the token carries `rooms`, then only the names and `prefix*` patterns it lists; admins may join any.
 */
export function mayJoin(user: AuthUser, room: string): boolean {
  if (isDmRoom(room)) return dmRoomOf(...dmMembers(room, user.id)) === room;
  if (!user.rooms || isAdmin(user)) return true;
  return user.rooms.some((grant) => (grant.endsWith('*') ? room.startsWith(grant.slice(0, -1)) : room === grant));
}

export function assertMayJoin(user: AuthUser, room: string): void {
  if (!mayJoin(user, room)) throw forbidden(`no access to room ${room}`);
}

/** The pair a DM room would have if `userId` were one of its members. */
function dmMembers(room: string, userId: string): [string, string] {
  const rest = room.slice(DM_ROOM_PREFIX.length);
  if (rest.startsWith(`${userId}:`)) return [userId, rest.slice(userId.length + 1)];
  if (rest.endsWith(`:${userId}`)) return [rest.slice(0, -userId.length - 1), userId];
  return ['', ''];
}
