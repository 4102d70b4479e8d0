/** No stream entry precedes it, and Redis refuses it as an exclusive end: a page before it is empty. */
export const FIRST_POSSIBLE_STREAM_ID = '0-0';
