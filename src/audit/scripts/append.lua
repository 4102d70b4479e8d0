-- Appends an audit entry. A server API entry is counted in its share, whose oldest entry goes once it holds more than
-- `max`; any other entry trims the rest of the stream to `max` (main-share.lua). Either way the entry extends its
-- share's hash chain (only the oldest of a share are ever trimmed, so each chain just starts later).
--
-- KEYS[1] the audit stream
-- KEYS[2] the server API share (list of ids)
-- KEYS[3] the entry's share's chain head
-- ARGV[1] max entries per share
-- ARGV[2] share: "server-api" or "main"
-- ARGV[3] actor
-- ARGV[4] action
-- ARGV[5] target (JSON)
-- ARGV[6] details (JSON)
-- Reply: the entry's id
local max = tonumber(ARGV[1])
if ARGV[2] ~= 'server-api' then
  return chained_xadd(KEYS[1], KEYS[3], {'MAXLEN', main_share_maxlen(KEYS[1], KEYS[2], max)}, ARGV[3], ARGV[4], ARGV[5], ARGV[6])
end
local id = chained_xadd(KEYS[1], KEYS[3], {}, ARGV[3], ARGV[4], ARGV[5], ARGV[6])
redis.call('RPUSH', KEYS[2], id)
while redis.call('LLEN', KEYS[2]) > max do
  redis.call('XDEL', KEYS[1], redis.call('LPOP', KEYS[2]))
end
return id
