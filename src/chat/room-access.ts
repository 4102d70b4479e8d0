import { AuthUser, isAdmin } from '../auth/auth-user';
import { DM_ROOM_PREFIX } from '../common/contract';
import { forbidden } from '../common/contract-error';

/** `dm:<lower id>:<higher id>`: one room per pair of users, whoever writes first. */
export function dmRoomOf(a: string, b: string): string {
  return a < b ? `${DM_ROOM_PREFIX}${a}:${b}` : `${DM_ROOM_PREFIX}${b}:${a}`;
}

/**
 * Whether a user id can be one side of a DM room name: room-name characters without `:`, so that a DM room
 * names exactly one pair of users.
 */
export function canHaveDmRoom(userId: string): boolean {
  return /^[A-Za-z0-9_.-]{1,62}$/.test(userId);
}

export function isDmRoom(room: string): boolean {
  return room.startsWith(DM_ROOM_PREFIX);
}

/**
 * Who may join (and so read) a room. A DM room: its two users only, admins included. Any other room: everyone,
 * unless the token carries `rooms`, then only the names and `prefix*` patterns it lists; admins may join any.
 */
export function mayJoin(user: AuthUser, room: string): boolean {
  if (isDmRoom(room)) {
    const members = room.slice(DM_ROOM_PREFIX.length).split(':');
    return members.length === 2 && members.includes(user.id) && dmRoomOf(members[0], members[1]) === room;
  }
  if (!user.rooms || isAdmin(user)) return true;
  return user.rooms.some((grant) => (grant.endsWith('*') ? room.startsWith(grant.slice(0, -1)) : room === grant));
}

export function assertMayJoin(user: AuthUser, room: string): void {
  if (!mayJoin(user, room)) throw forbidden(`no access to room ${room}`);
}
