-- Library: `compareStreamIds` (stream-ids.ts) for scripts: `stream_id_is_older(a, b)`.
local function stream_id_parts(id)
  local dash = string.find(id, '-', 1, true)
  return tonumber(string.sub(id, 1, dash - 1)), tonumber(string.sub(id, dash + 1))
end
local function stream_id_is_older(a, b)
  local a_ms, a_seq = stream_id_parts(a)
  local b_ms, b_seq = stream_id_parts(b)
  return a_ms < b_ms or (a_ms == b_ms and a_seq < b_seq)
end
