-- Adds a room to a user's set unless the set holds `max` rooms already; a room already there always passes.
--
-- KEYS[1] the user's rooms (set)
-- ARGV[1] room
-- ARGV[2] max rooms
-- Reply: 1 held (added or already there), 0 refused at the limit
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return 1 end
if redis.call('SCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('SADD', KEYS[1], ARGV[1])
return 1
