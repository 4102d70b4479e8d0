/** Patterns and messages of the validation shared by socket payloads, REST bodies and tokens. */

/** A stream id: milliseconds, a dash, a sequence number. */
export const MESSAGE_ID_PATTERN = /^\d{1,15}-\d{1,15}$/;
export const MESSAGE_ID_HINT = 'must be a message id such as 1700000000000-0';
export const ROOM_NAME_HINT = 'must be 1 to 128 characters of A-Z a-z 0-9 _ . : -';

/** What a `sub` may be: it names Socket.IO channels and Redis keys, so no spaces, braces or control characters. */
export const USER_ID_PATTERN = /^[^\s{}\u0000-\u001f]{1,128}$/;
export const USER_ID_HINT = 'must be 1 to 128 characters without spaces, braces or control characters';

/** `message:history` and the admin messages query: pages of 1 to 100 messages, 50 unless asked. */
export const HISTORY_PAGE_MAX = 100;
export const HISTORY_PAGE_DEFAULT = 50;
