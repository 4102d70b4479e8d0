-- Removes every entry an owner holds in a room (a dead or retiring node).
--
-- KEYS[1] the room's connections hash
-- KEYS[2] the room's users hash
-- KEYS[3] the room's names hash
-- ARGV[1] owner
-- Reply: {vacated, userId, name or "", ...}: vacated is 1 when the room lost its last member with them, then the
--        users who are no longer present anywhere
local prefix = ARGV[1] .. '|'
local gone = {0}
local entries = redis.call('HGETALL', KEYS[1])
for i = 1, #entries, 2 do
  local field = entries[i]
  if string.sub(field, 1, #prefix) == prefix then
    local user = string.sub(field, #prefix + 1)
    redis.call('HDEL', KEYS[1], field)
    local before = tonumber(redis.call('HGET', KEYS[2], user) or '0')
    local after = before - tonumber(entries[i + 1])
    if after > 0 then
      redis.call('HSET', KEYS[2], user, after)
    elseif before > 0 then
      gone[#gone + 1] = user
      gone[#gone + 1] = redis.call('HGET', KEYS[3], user) or ''
      redis.call('HDEL', KEYS[2], user)
      redis.call('HDEL', KEYS[3], user)
    end
  end
end
if #gone > 1 and redis.call('EXISTS', KEYS[2]) == 0 then gone[1] = 1 end
return gone
