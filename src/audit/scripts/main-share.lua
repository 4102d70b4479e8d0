-- Library (after stream-id-order.lua): the trail's two shares (docs/ADMIN.md): the server API's entries, whose ids the share list holds oldest
-- first, and the rest. Trimming the rest keeps `max` entries besides the server API's, so that no volume of service
-- calls pushes out an admin, moderation or security entry; ids of server API entries that such a trim removed are
-- forgotten first (they are older than the stream's first entry).
local function main_share_maxlen(stream, share, max)
  local first = redis.call('XRANGE', stream, '-', '+', 'COUNT', 1)[1]
  while first do
    local oldest = redis.call('LINDEX', share, 0)
    if not oldest or not stream_id_is_older(oldest, first[1]) then break end
    redis.call('LPOP', share)
  end
  return max + redis.call('LLEN', share)
end
