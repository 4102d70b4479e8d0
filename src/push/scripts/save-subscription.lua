-- Saves or refreshes one Web Push subscription and drops the oldest beyond the bound, atomically.
--
-- KEYS[1] the user's subscriptions hash (endpoint -> subscription JSON)
-- KEYS[2] their order (sorted set: endpoint -> when saved)
-- ARGV[1] endpoint
-- ARGV[2] subscription JSON
-- ARGV[3] now (epoch ms)
-- ARGV[4] max per user
-- Reply: 1
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
local excess = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[4])
if excess > 0 then
  local dropped = redis.call('ZPOPMIN', KEYS[2], excess)
  for i = 1, #dropped, 2 do redis.call('HDEL', KEYS[1], dropped[i]) end
end
return 1
