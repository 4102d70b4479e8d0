/** A stream id: milliseconds, a dash, a sequence number. */
export const MESSAGE_ID_PATTERN = /^\d{1,15}-\d{1,15}$/;
export const MESSAGE_ID_HINT = 'must be a message id such as 1700000000000-0';
export const ROOM_NAME_HINT = 'must be 1 to 128 characters of A-Z a-z 0-9 _ . : -';
