/**
 * Presence keys. Room keys carry the `{room}` hash tag so that one script updates a room's entries
 * atomically; the owner registry shares the `{presence}` tag so that claiming a dead owner is atomic too.
 */
export const presenceRoomKeys = {
  /** Hash: `<owner>|<userId>` -> connections that owner (one node process) holds for the user in the room. */
  connections: (room: string) => `chat:{${room}}:presence:connections`,
  /** Hash: userId -> connections across all owners; a user is present while this is above zero. */
  users: (room: string) => `chat:{${room}}:presence:users`,
  /** Hash: userId -> display name, for presence lists. */
  names: (room: string) => `chat:{${room}}:presence:names`,
};

export const presenceOwnerKeys = {
  /** Sorted set: live owner -> Redis time (ms) of its last heartbeat. */
  owners: 'chat:{presence}:owners',
  /** Sorted set: owner whose entries a survivor is removing -> Redis time (ms) the removal was claimed. */
  reaping: 'chat:{presence}:reaping',
  /** Set: rooms where the owner holds entries, so that a survivor knows where to clean up after it. */
  rooms: (owner: string) => `chat:{presence}:owner-rooms:${owner}`,
};

/** Owner ids are hex, so the first `|` of an entry field ends the owner part whatever the user id holds. */
export const OWNER_FIELD_SEPARATOR = '|';
