-- Admits one more connection of a user unless `max` leases are live. Leases are scored by their expiry in Redis time,
-- so that every node agrees on it and the connections of a node that died stop counting by themselves.
--
-- KEYS[1] the user's connections (sorted set: socket id -> lease expiry)
-- ARGV[1] socket id
-- ARGV[2] lease (ms)
-- ARGV[3] max
-- Reply: 1 admitted, 0 refused
local now = redis_now_ms()
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then
  return 0
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
