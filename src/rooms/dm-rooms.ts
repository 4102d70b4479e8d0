import { DM_ROOM_PREFIX } from '../common/contract';

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
