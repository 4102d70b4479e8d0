-- Moves a user's read marker forward to a message the room holds; an older or equal id leaves it.
--
-- KEYS[1] read markers hash (user id -> message id)
-- KEYS[2] the room's message stream
-- ARGV[1] user id
-- ARGV[2] message id
-- Reply: 1 moved, 0 already at or past it, -1 no such message
if not redis.call('XRANGE', KEYS[2], ARGV[2], ARGV[2])[1] then return -1 end
local current = redis.call('HGET', KEYS[1], ARGV[1])
if current then
  local cms, cseq = string.match(current, '^(%d+)-(%d+)$')
  local ms, seq = string.match(ARGV[2], '^(%d+)-(%d+)$')
  cms, cseq, ms, seq = tonumber(cms), tonumber(cseq), tonumber(ms), tonumber(seq)
  if ms < cms or (ms == cms and seq <= cseq) then return 0 end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
local stream_expiry = redis.call('PEXPIRETIME', KEYS[2])
if stream_expiry > 0 then redis.call('PEXPIREAT', KEYS[1], stream_expiry) end
return 1
