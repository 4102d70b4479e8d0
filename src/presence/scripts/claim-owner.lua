-- Takes the job of removing a stale owner's entries: exactly one caller wins it. A claim whose claimer dies goes
-- stale in turn and can be taken again; removing entries twice is harmless.
--
-- KEYS[1] owners (sorted set)
-- KEYS[2] reaping (sorted set)
-- ARGV[1] owner
-- ARGV[2] ttl in ms
-- ARGV[3] "1" to take it whatever its age (a node retiring its own entries)
-- Reply: 1 the caller now owns the removal, 0 otherwise
local now = redis_now_ms()
local limit = now - tonumber(ARGV[2])
local beat = redis.call('ZSCORE', KEYS[1], ARGV[1])
local claimed = redis.call('ZSCORE', KEYS[2], ARGV[1])
if ARGV[3] ~= '1' then
  if beat and tonumber(beat) > limit then return 0 end
  if claimed and tonumber(claimed) > limit then return 0 end
  if not beat and not claimed then return 0 end
end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[2], now, ARGV[1])
return 1
