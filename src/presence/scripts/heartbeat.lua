-- Records an owner's heartbeat at Redis's clock (one clock for every node, whatever their skew) and lists owners that
-- stopped beating, and removals whose claimer stopped too.
--
-- KEYS[1] owners (sorted set: owner -> last beat)
-- KEYS[2] reaping (sorted set: owner -> when its removal was claimed)
-- ARGV[1] owner
-- ARGV[2] "1" when the owner was registered before
-- ARGV[3] ttl in ms
-- Reply: {0} a registered owner is no longer known (it was taken for dead), else {1, stale owners}
local now = redis_now_ms()
if ARGV[2] == '1' and not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return {0} end
redis.call('ZADD', KEYS[1], now, ARGV[1])
local limit = now - tonumber(ARGV[3])
local stale = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', limit, 'LIMIT', 0, 16)
for _, owner in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', limit, 'LIMIT', 0, 16)) do stale[#stale + 1] = owner end
return {1, stale}
