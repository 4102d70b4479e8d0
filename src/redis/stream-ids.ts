/** Redis stream ids (`<ms>-<seq>`), the one place that reads them. */

/** No stream entry precedes it, and Redis refuses it as an exclusive end: a page before it is empty. */
export const FIRST_POSSIBLE_STREAM_ID = '0-0';

/** The epoch ms a stream id was created at. */
export function timeOfStreamId(id: string): number {
  return Number(id.slice(0, id.indexOf('-')));
}

/** Orders stream ids ("ms-seq") numerically; string order is wrong once the ms part gains a digit. */
export function compareStreamIds(a: string, b: string): number {
  const [aMs, aSeq] = a.split('-').map(Number);
  const [bMs, bSeq] = b.split('-').map(Number);
  return aMs - bMs || aSeq - bSeq;
}

/** `compareStreamIds` for scripts, prepended to them: `stream_id_is_older(a, b)`. */
export const STREAM_ID_ORDER_LUA = `
local function stream_id_parts(id)
  local dash = string.find(id, '-', 1, true)
  return tonumber(string.sub(id, 1, dash - 1)), tonumber(string.sub(id, dash + 1))
end
local function stream_id_is_older(a, b)
  local a_ms, a_seq = stream_id_parts(a)
  local b_ms, b_seq = stream_id_parts(b)
  return a_ms < b_ms or (a_ms == b_ms and a_seq < b_seq)
end
`;
