-- Adds bytes to a user's counter of the day unless that would pass the quota: check and add are one step, so parallel
-- creates on several nodes cannot both slip under it.
--
-- KEYS[1] the user's counter of the day
-- ARGV[1] bytes to add
-- ARGV[2] the quota
-- ARGV[3] the counter's TTL (s)
-- Reply: 1 counted, 0 refused (nothing counted)
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if used + tonumber(ARGV[1]) > tonumber(ARGV[2]) then return 0 end
redis.call('INCRBY', KEYS[1], ARGV[1])
if used == 0 then redis.call('EXPIRE', KEYS[1], ARGV[3]) end
return 1
