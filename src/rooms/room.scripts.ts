import { join } from 'node:path';
import { defineScripts, luaLibrary, script } from '../redis/scripts';
import { STREAM_ATTACHMENTS_FIELD, STREAM_AUTHOR_FIELD, STREAM_REPLY_TO_FIELD, StoredAttachment } from './message.codec';

/**
 * The scripts of the room keyspace (`scripts/*.lua`, each with its KEYS, ARGV and reply), with the decoding of each
 * reply: the only code that knows their reply codes.
 */
const SCRIPTS_DIR = join(__dirname, 'scripts');

/** The send script renews a room's lifetime once it ran down by this much (see append-message.lua). */
export const LIFETIME_REFRESH_SLACK_MS = 86_400_000;

/** The codec's stream field names, as the room scripts (and scripts of other features reading entries) know them. */
export const ROOM_FIELD_CONSTANTS = { AUTHOR_FIELD: STREAM_AUTHOR_FIELD, REPLY_TO_FIELD: STREAM_REPLY_TO_FIELD, ATTACHMENTS_FIELD: STREAM_ATTACHMENTS_FIELD };
/** `field_of(fields, name)` and `author_of(fields)` over a stream entry's flat field list; needs ROOM_FIELD_CONSTANTS. */
export const ROOM_FIELDS_LUA = luaLibrary(SCRIPTS_DIR, 'fields.lua');
const THREADS_LUA = luaLibrary(SCRIPTS_DIR, 'threads.lua');
const OVERLAYS_LUA = luaLibrary(SCRIPTS_DIR, 'overlays.lua');

export type StreamEntry = [id: string, fields: string[]];

/** What the trim of a send took with it, for the state kept outside the room's keys: who reacted, the search index, files. */
export interface TrimmedMessages {
  ids: string[];
  withReactions: string[];
  attachments: StoredAttachment[];
}

/** A mute marker's PTTL: milliseconds left, or null for a mute without end. */
const mutedFor = (pttl: number) => (pttl >= 0 ? pttl : null);

type AppendReply = [1, string, string[], string[], string[]] | [0, string, string[]?] | [-1, number] | [-2];
export type AppendOutcome =
  | { status: 'stored'; id: string; trimmed: TrimmedMessages }
  | { status: 'duplicate'; id: string; fields?: string[] }
  | { status: 'muted'; mutedForMs: number | null }
  | { status: 'reply_target_missing' };

function decodeAppend(reply: AppendReply): AppendOutcome {
  switch (reply[0]) {
    case 1: {
      const [, id, withReactions, ids, attachments] = reply;
      return { status: 'stored', id, trimmed: { ids, withReactions, attachments: attachments.flatMap((json) => JSON.parse(json) as StoredAttachment[]) } };
    }
    case 0:
      return reply[2] ? { status: 'duplicate', id: reply[1], fields: reply[2] } : { status: 'duplicate', id: reply[1] };
    case -1:
      return { status: 'muted', mutedForMs: mutedFor(reply[1]) };
    case -2:
      return { status: 'reply_target_missing' };
  }
}

/** A page of entries with, aligned, each one's latest edit, reaction counts, reply count and newest reply (null: none). */
export type ReadReply = [
  entries: StreamEntry[],
  edits: (string | null)[],
  reactions: (string | null)[],
  replyCounts: number[],
  lastReplyIds: (string | null)[],
];

type EditReply = [1, string[], string | null, number, string | null, string | null] | [-1] | [-2] | [-3, number];
export type EditOutcome =
  | { status: 'edited'; fields: string[]; reactions: string | null; replyCount: number; lastReplyId: string | null; previousEdit: string | null }
  | { status: 'not_found' }
  | { status: 'not_author' }
  | { status: 'muted'; mutedForMs: number | null };

function decodeEdit(reply: EditReply): EditOutcome {
  switch (reply[0]) {
    case 1: {
      const [, fields, reactions, replyCount, lastReplyId, previousEdit] = reply;
      return { status: 'edited', fields, reactions, replyCount, lastReplyId, previousEdit };
    }
    case -1:
      return { status: 'not_found' };
    case -2:
      return { status: 'not_author' };
    case -3:
      return { status: 'muted', mutedForMs: mutedFor(reply[1]) };
  }
}

/**
 * `isArchived`: a legal hold covered the message, so it went to the room's held deletions with its attachments
 * (`attachments`: the message's, to remove, or to keep when archived).
 */
export type DeleteResult = { status: 'deleted'; attachments: StoredAttachment[]; isArchived: boolean } | { status: 'not_found' } | { status: 'not_allowed' };

function decodeDelete(reply: [1, string | null, 0 | 1] | [-1] | [-2]): DeleteResult {
  switch (reply[0]) {
    case 1:
      return { status: 'deleted', isArchived: reply[2] === 1, attachments: reply[1] ? (JSON.parse(reply[1]) as StoredAttachment[]) : [] };
    case -1:
      return { status: 'not_found' };
    case -2:
      return { status: 'not_allowed' };
  }
}

export const roomScripts = defineScripts(SCRIPTS_DIR, {
  append: script<
    [stream: string, dedup: string, mute: string, edits: string, reactionCounts: string, thread: string, lastRead: string, tombstones: string],
    [
      maxLength: number,
      dedupWindowSec: number,
      replyTo: string,
      threadPrefix: string,
      lifetimeMs: number,
      liveChannel: string,
      liveHead: string,
      liveBody: string,
      ...fields: string[],
    ],
    AppendReply,
    AppendOutcome
  >({
    file: 'append-message.lua',
    constants: { ...ROOM_FIELD_CONSTANTS, LIFETIME_REFRESH_SLACK_MS },
    uses: [ROOM_FIELDS_LUA, THREADS_LUA],
    decode: decodeAppend,
  }),

  read: script<
    [stream: string, edits: string, reactionCounts: string],
    [command: 'XRANGE' | 'XREVRANGE', start: string, end: string, count: number, threadPrefix: string],
    ReadReply
  >({ file: 'read-messages.lua', uses: [THREADS_LUA, OVERLAYS_LUA] }),

  /** undefined: the room does not hold the root. */
  readReplies: script<
    [stream: string, edits: string, reactionCounts: string, thread: string],
    [rootId: string, after: string, count: number, threadPrefix: string],
    ReadReply | [-1],
    ReadReply | undefined
  >({ file: 'read-replies.lua', uses: [THREADS_LUA, OVERLAYS_LUA], decode: (reply) => (reply[0] === -1 ? undefined : (reply as ReadReply)) }),

  edit: script<
    [stream: string, edits: string, reactionCounts: string, editorMute: string, thread: string],
    [messageId: string, editorId: string, content: string, editedAt: number, mentions: string],
    EditReply,
    EditOutcome
  >({ file: 'edit-message.lua', constants: ROOM_FIELD_CONSTANTS, uses: [ROOM_FIELDS_LUA, THREADS_LUA], decode: decodeEdit }),

  delete: script<
    [stream: string, edits: string, reactionCounts: string, heldDeletions: string, reactionsByUser: string, thread: string],
    [messageId: string, deleterId: string, mayDeleteAny: '0' | '1', threadPrefix: string, isRoomHeld: '0' | '1', heldUsers: string, deletedAt: number],
    [1, string | null, 0 | 1] | [-1] | [-2],
    DeleteResult
  >({ file: 'delete-message.lua', constants: ROOM_FIELD_CONSTANTS, uses: [ROOM_FIELDS_LUA], decode: decodeDelete }),

  erase: script<
    [stream: string, edits: string, reactionCounts: string, tombstones: string, ...reactionsByUser: string[]],
    [userId: string, erasedAt: number, ...messageIds: string[]],
    [string[], (string | null)[]],
    { erased: string[]; attachments: StoredAttachment[] }
  >({
    file: 'erase-messages.lua',
    constants: ROOM_FIELD_CONSTANTS,
    uses: [ROOM_FIELDS_LUA],
    decode: ([erased, attachments]) => ({ erased, attachments: attachments.flatMap((json) => (json ? (JSON.parse(json) as StoredAttachment[]) : [])) }),
  }),

  /** False: the user holds the maximum of rooms already. */
  holdRoom: script<[userRooms: string], [room: string, max: number], 0 | 1, boolean>({ file: 'hold-room.lua', decode: (held) => held === 1 }),
});
