-- Adds or removes one user's reaction and rewrites the message's counts, atomically; adding twice or removing what
-- is not there changes nothing. The who-reacted field is `<emoji>\n<userId>`: an emoji never holds a newline.
--
-- KEYS[1] the room's message stream
-- KEYS[2] reaction counts hash (message id -> JSON {emoji: count})
-- KEYS[3] the message's who-reacted hash
-- ARGV[1] "add" or "remove"
-- ARGV[2] message id
-- ARGV[3] emoji
-- ARGV[4] user id
-- ARGV[5] most distinct emoji a message may carry
-- Reply: {1, counts JSON} changed, {0, counts JSON} unchanged, {-1} no such message, {-2} too many emoji
if not redis.call('XRANGE', KEYS[1], ARGV[2], ARGV[2])[1] then return {-1} end
local raw = redis.call('HGET', KEYS[2], ARGV[2])
local counts = raw and cjson.decode(raw) or {}
local emoji = ARGV[3]
local field = emoji .. '\n' .. ARGV[4]
if ARGV[1] == 'add' then
  if counts[emoji] == nil then
    local distinct = 0
    for _ in pairs(counts) do distinct = distinct + 1 end
    if distinct >= tonumber(ARGV[5]) then return {-2} end
  end
  if redis.call('HSETNX', KEYS[3], field, '1') == 0 then return {0, raw or '{}'} end
  counts[emoji] = (counts[emoji] or 0) + 1
else
  if redis.call('HDEL', KEYS[3], field) == 0 then return {0, raw or '{}'} end
  counts[emoji] = counts[emoji] - 1
  if counts[emoji] <= 0 then counts[emoji] = nil end
end
if next(counts) == nil then
  redis.call('HDEL', KEYS[2], ARGV[2])
  return {1, '{}'}
end
local encoded = cjson.encode(counts)
redis.call('HSET', KEYS[2], ARGV[2], encoded)
local stream_expiry = redis.call('PEXPIRETIME', KEYS[1])
if stream_expiry > 0 then
  redis.call('PEXPIREAT', KEYS[2], stream_expiry)
  redis.call('PEXPIREAT', KEYS[3], stream_expiry)
end
return {1, encoded}
