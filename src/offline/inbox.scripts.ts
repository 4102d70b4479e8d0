import { join } from 'node:path';
import { READ_STATE_CONSTANTS, READ_STATE_LUA } from '../receipts/receipt.scripts';
import { defineScripts, script } from '../redis/scripts';
import type { StreamEntry } from '../rooms/room.scripts';

export interface InboxLine {
  lastReadId: string | null;
  unreadCount: number;
  /** The room's newest entry, with its latest edit and reaction counts (null: none). */
  newest: { entry: StreamEntry; edit: string | null; reactions: string | null } | null;
}

type InboxReply = [lastRead: string | null, unread: number, newest: StreamEntry | null, edit: string | null, reactions: string | null];

/** The inbox's script (`scripts/inbox-entry.lua`: one room's line) and the decoding of its reply. */
export const inboxScripts = defineScripts(join(__dirname, 'scripts'), {
  inboxEntry: script<[lastRead: string, stream: string, edits: string, reactionCounts: string], [userId: string, unreadCap: number], InboxReply, InboxLine>({
    file: 'inbox-entry.lua',
    constants: READ_STATE_CONSTANTS,
    uses: READ_STATE_LUA,
    decode: ([lastReadId, unreadCount, entry, edit, reactions]) => ({ lastReadId, unreadCount, newest: entry ? { entry, edit, reactions } : null }),
  }),
});
