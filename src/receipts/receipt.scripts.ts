import { join } from 'node:path';
import { defineScripts, luaLibrary, script } from '../redis/scripts';
import { ROOM_FIELD_CONSTANTS, ROOM_FIELDS_LUA } from '../rooms/room.scripts';

const SCRIPTS_DIR = join(__dirname, 'scripts');

export type MarkReadResult = 'moved' | 'unchanged' | 'not_found';

export interface ReadState {
  lastReadId: string | null;
  unreadCount: number;
}

/**
 * `read_state(last_read_key, stream_key, user_id, cap)`: the read marker and the unread count, for the scripts that
 * answer them (the inbox's too); with ROOM_FIELDS_LUA before it and READ_STATE_CONSTANTS.
 */
export const READ_STATE_LUA = [ROOM_FIELDS_LUA, luaLibrary(SCRIPTS_DIR, 'read-state-functions.lua')] as const;
export const READ_STATE_CONSTANTS = { AUTHOR_FIELD: ROOM_FIELD_CONSTANTS.AUTHOR_FIELD };

/** The read-marker scripts (`scripts/*.lua`) and the decoding of their replies. */
export const receiptScripts = defineScripts(SCRIPTS_DIR, {
  markRead: script<[lastRead: string, stream: string], [userId: string, messageId: string], 1 | 0 | -1, MarkReadResult>({
    file: 'mark-read.lua',
    decode: (reply) => (reply === 1 ? 'moved' : reply === 0 ? 'unchanged' : 'not_found'),
  }),
  readState: script<[lastRead: string, stream: string], [userId: string, unreadCap: number], [string | null, number], ReadState>({
    file: 'read-state.lua',
    constants: READ_STATE_CONSTANTS,
    uses: READ_STATE_LUA,
    decode: ([lastReadId, unreadCount]) => ({ lastReadId, unreadCount }),
  }),
});
