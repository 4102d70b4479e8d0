-- Sets how many connections an owner holds for a user in a room (0 removes the entry) and keeps the user's total
-- across owners. Absolute counts make a repeated or re-sent write harmless.
--
-- KEYS[1] the room's connections hash ("<owner>|<user>" -> count)
-- KEYS[2] the room's users hash (user -> total)
-- KEYS[3] the room's names hash (user -> display name)
-- ARGV[1] owner
-- ARGV[2] user id
-- ARGV[3] count
-- ARGV[4] display name ("" when none)
-- Reply: {total before, total after, room change}: 0 -> n is a join, n -> 0 a leave; the room change is 1 when this
--        write made the room's first member (occupied), -1 when it removed its last (vacated), else 0
local field = ARGV[1] .. '|' .. ARGV[2]
local held = tonumber(redis.call('HGET', KEYS[1], field) or '0')
local count = tonumber(ARGV[3])
local before = tonumber(redis.call('HGET', KEYS[2], ARGV[2]) or '0')
if held == count then return {before, before, 0} end
local was_empty = redis.call('EXISTS', KEYS[2]) == 0
if count > 0 then redis.call('HSET', KEYS[1], field, count) else redis.call('HDEL', KEYS[1], field) end
local after = before + count - held
if after > 0 then
  redis.call('HSET', KEYS[2], ARGV[2], after)
  if ARGV[4] ~= '' then redis.call('HSET', KEYS[3], ARGV[2], ARGV[4]) end
else
  after = 0
  redis.call('HDEL', KEYS[2], ARGV[2])
  redis.call('HDEL', KEYS[3], ARGV[2])
end
local room_change = 0
if before == 0 and after > 0 and was_empty then room_change = 1 end
if before > 0 and after == 0 and redis.call('EXISTS', KEYS[2]) == 0 then room_change = -1 end
return {before, after, room_change}
