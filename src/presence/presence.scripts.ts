import { join } from 'node:path';
import { REDIS_NOW_LUA } from '../redis/lua-snippets';
import { defineScripts, script } from '../redis/scripts';

export interface PresenceChange {
  before: number;
  after: number;
  /** Set when this write made the room's first member or removed its last, cluster-wide. */
  room?: RoomOccupancyChange;
}

export type RoomOccupancyChange = 'occupied' | 'vacated';

/** What removing an owner's entries in a room changed: who is no longer present, and whether the room emptied. */
export interface OwnerRemoval {
  gone: { userId: string; name?: string }[];
  isVacated: boolean;
}

export type HeartbeatResult = { isKnown: false } | { isKnown: true; staleOwners: string[] };

export interface PresenceMember {
  userId: string;
  /** null when the user's token carries no name: presence lists always have the field. */
  name: string | null;
  connections: number;
}

type RoomPresenceKeys = [connections: string, users: string, names: string];

function decodeRemoval([vacated, ...flat]: [0 | 1, ...string[]]): OwnerRemoval {
  const gone = [];
  for (let i = 0; i < flat.length; i += 2) gone.push({ userId: flat[i], ...(flat[i + 1] ? { name: flat[i + 1] } : {}) });
  return { gone, isVacated: vacated === 1 };
}

function decodeMembers(flat: (string | null)[]): PresenceMember[] {
  const members: PresenceMember[] = [];
  for (let i = 0; i < flat.length; i += 3) {
    const name = flat[i + 2];
    members.push({ userId: flat[i] as string, name: name || null, connections: Number(flat[i + 1]) });
  }
  return members;
}

/** The presence scripts (`scripts/*.lua`) and the decoding of their replies. */
export const presenceScripts = defineScripts(join(__dirname, 'scripts'), {
  setConnections: script<RoomPresenceKeys, [owner: string, userId: string, count: number, name: string], [number, number, -1 | 0 | 1], PresenceChange>({
    file: 'set-connections.lua',
    decode: ([before, after, roomChange]) => ({ before, after, ...(roomChange === 0 ? {} : { room: roomChange > 0 ? 'occupied' : 'vacated' }) }),
  }),
  removeOwner: script<RoomPresenceKeys, [owner: string], [0 | 1, ...string[]], OwnerRemoval>({ file: 'remove-owner.lua', decode: decodeRemoval }),
  listMembers: script<[users: string, names: string], [], (string | null)[], PresenceMember[]>({ file: 'list-members.lua', decode: decodeMembers }),
  heartbeat: script<[owners: string, reaping: string], [owner: string, wasRegistered: '0' | '1', ttlMs: number], [0] | [1, string[]], HeartbeatResult>({
    file: 'heartbeat.lua',
    uses: [REDIS_NOW_LUA],
    decode: (reply) => (reply[0] === 1 ? { isKnown: true, staleOwners: reply[1] } : { isKnown: false }),
  }),
  /** True: the caller won the job of removing the owner's entries. */
  claimOwner: script<[owners: string, reaping: string], [owner: string, ttlMs: number, force: '0' | '1'], 0 | 1, boolean>({
    file: 'claim-owner.lua',
    uses: [REDIS_NOW_LUA],
    decode: (claimed) => claimed === 1,
  }),
});
