-- A user's searches per second: a fixed one-second window opened by the first search.
--
-- KEYS[1] the user's search counter
-- ARGV[1] searches allowed per second
-- Reply: 0 when this search may run, else the milliseconds until the window closes
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], 1000) end
if count <= tonumber(ARGV[1]) then return 0 end
return math.max(redis.call('PTTL', KEYS[1]), 1)
