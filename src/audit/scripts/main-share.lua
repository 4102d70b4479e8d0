-- Library: the trail's two shares (docs/ADMIN.md): the server API's entries, whose ids the share list holds oldest
-- first, and the rest. Trimming the rest keeps `max` entries besides the server API's, so that no volume of service
-- calls pushes out an admin, moderation or security entry; ids of server API entries that such a trim removed are
-- forgotten first (they are older than the stream's first entry).
local function id_parts(id)
  local dash = string.find(id, '-', 1, true)
  return tonumber(string.sub(id, 1, dash - 1)), tonumber(string.sub(id, dash + 1))
end
local function is_older(a, b)
  local a_ms, a_seq = id_parts(a)
  local b_ms, b_seq = id_parts(b)
  return a_ms < b_ms or (a_ms == b_ms and a_seq < b_seq)
end
local function main_share_maxlen(stream, share, max)
  local first = redis.call('XRANGE', stream, '-', '+', 'COUNT', 1)[1]
  while first do
    local oldest = redis.call('LINDEX', share, 0)
    if not oldest or not is_older(oldest, first[1]) then break end
    redis.call('LPOP', share)
  end
  return max + redis.call('LLEN', share)
end
