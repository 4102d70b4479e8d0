import { Injectable } from '@nestjs/common';
import { AuthUser, isAdmin } from '../common/auth-user';
import type { Connection } from '../common/connection';
import { ContractError, forbidden, notJoined } from '../common/contract-error';
import { dmMembersOf, isDmRoom } from './dm-rooms';

/**
 * What a request asks to do in a room. Every door (Socket.IO, `/ws`, the server API, the admin API) reaches a
 * service that names one of these before it touches the room; no gateway or controller decides access itself.
 */
export type Permission =
  /** `room:join`; also whether a joined room stays joined once `auth:refresh` brings new grants. */
  | 'room.join'
  /** `message:history`, `message:replies`, `message:search`, `presence:list`; who a mention reaches; a call invite's relation. */
  | 'room.read'
  /** `message:send`, `typing`, `reaction:add` / `:remove`, `receipt:read`, `attachment:create`: on the connection that joined. */
  | 'room.write'
  /** A new message stored under this author, whichever door it came through (`ChatService.publish`). */
  | 'message.author'
  /** `message:edit` (the store checks that the editor is the author). */
  | 'message.edit'
  /** `message:delete` (the store checks that the deleter is the author, unless the deleter may moderate the room). */
  | 'message.delete'
  /** The admin API's room routes (history, presence, deletions, kicks, mutes), in any room, DM rooms included. */
  | 'room.moderate';

/** A user with a token's grants: a connection's user, a token being refreshed, or the grants kept from the user's latest handshake. */
export type Grantee = Pick<AuthUser, 'id' | 'roles' | 'rooms'>;

/** A connection, as far as the rooms it joined go. */
export type RoomMember = Pick<Connection, 'rooms'>;

/** A user a backend service names as a message's author, with the ban read for this request. */
export interface NamedAuthor {
  id: string;
  name?: string;
  isBanned: boolean;
}

/**
 * A new message's author: a connection's user (its handshake refused a banned user, and a ban closes the connection,
 * so nothing more is read per message) or a user a backend service names.
 */
export type Author = AuthUser | NamedAuthor;

/** Who asks, per permission: each rule is decided on facts the caller already holds, so no check costs a round trip. */
export interface SubjectOf {
  'room.join': Grantee;
  'room.read': Grantee;
  'room.write': RoomMember;
  'message.author': Author;
  'message.edit': Grantee;
  'message.delete': Grantee;
  'room.moderate': Grantee;
}

/** Why a request is refused; the error is built only when the caller throws it. */
type Refusal = 'no_access' | 'not_joined' | 'not_dm_author' | 'banned_author' | 'not_moderator';

/**
 * Reading a room: a DM room is its two users' alone (admins included: they moderate it over the admin API but do
 * not join it); any other room is everyone's unless the token carries `rooms`, then only the names and `prefix*`
 * patterns it lists; admins may read any.
 */
function readRule(grantee: Grantee, room: string): Refusal | undefined {
  if (isDmRoom(room)) return dmMembersOf(room)?.includes(grantee.id) ? undefined : 'no_access';
  if (!grantee.rooms || isAdmin(grantee)) return undefined;
  return grantee.rooms.some((grant) => (grant.endsWith('*') ? room.startsWith(grant.slice(0, -1)) : room === grant)) ? undefined : 'no_access';
}

/** The ban first: a banned author hears that, whichever room. A connection's user carries no `isBanned`. */
function authorRule(author: Author, room: string): Refusal | undefined {
  if ((author as Partial<NamedAuthor>).isBanned === true) return 'banned_author';
  if (isDmRoom(room) && !dmMembersOf(room)?.includes(author.id)) return 'not_dm_author';
  return undefined;
}

/**
 * A switch rather than a table of rules indexed by permission, and no `in` test: both cost the send path a few
 * hundred nanoseconds per check in a micro-benchmark, where this costs what the inline checks did. The `SubjectOf`
 * signature of the public methods makes each cast below the subject's own type.
 */
function refusalOf(subject: SubjectOf[Permission], permission: Permission, room: string): Refusal | undefined {
  switch (permission) {
    case 'room.write':
      return (subject as RoomMember).rooms.has(room) ? undefined : 'not_joined';
    case 'message.author':
      return authorRule(subject as Author, room);
    case 'room.join':
    case 'room.read':
    case 'message.edit':
      return readRule(subject as Grantee, room);
    case 'message.delete':
      return isAdmin(subject as Grantee) ? undefined : readRule(subject as Grantee, room);
    case 'room.moderate':
      return isAdmin(subject as Grantee) ? undefined : 'not_moderator';
  }
}

/**
 * Where room access is decided: one vocabulary of permissions, one rule each. Synchronous and free of Redis: the
 * facts a rule needs (grants, joined rooms, a named author's ban) come with the subject, so the send path pays a
 * set lookup and a prefix test. Facts of users who are not connected here (their latest grants, a ban) are read by
 * the service that asks, from the repository that owns them.
 */
@Injectable()
export class AccessPolicy {
  /** Throws the contract's error (`not_joined` or `forbidden`) unless the subject may. */
  requireAccess<P extends Permission>(subject: SubjectOf[P], permission: P, room: string): void {
    const refusal = refusalOf(subject, permission, room);
    if (refusal) throw errorOf(refusal, subject, room);
  }

  /** For filters (rooms a search covers, who a mention reaches): no error is built. */
  hasAccess<P extends Permission>(subject: SubjectOf[P], permission: P, room: string): boolean {
    return refusalOf(subject, permission, room) === undefined;
  }
}

function errorOf(refusal: Refusal, subject: SubjectOf[Permission], room: string): ContractError {
  const id = 'id' in subject ? subject.id : '';
  switch (refusal) {
    case 'no_access':
      return forbidden(`no access to room ${room}`);
    case 'not_joined':
      return notJoined(room);
    case 'not_dm_author':
      return forbidden(`only the two users of a DM room may write in it, and ${id} is not one of ${room}`);
    case 'banned_author':
      return forbidden(`${id} is banned and may not author messages`);
    case 'not_moderator':
      return forbidden(`moderating room ${room} needs the admin role`);
  }
}
