-- Grants a node a slice of a fixed-window budget: up to `want` of what is left in the window, counted as spent at
-- once. The node spends the slice locally, so most events need no round trip.
--
-- KEYS[1] the budget's counter
-- ARGV[1] window (ms)
-- ARGV[2] limit
-- ARGV[3] want
-- Reply: {granted (0 when the window is spent), msToExpire}
local limit = tonumber(ARGV[2])
local spent = tonumber(redis.call('GET', KEYS[1]) or '0')
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then ttl = tonumber(ARGV[1]) end
if spent >= limit then
  redis.call('PEXPIRE', KEYS[1], ttl, 'NX')
  return {0, ttl}
end
local granted = math.min(tonumber(ARGV[3]), limit - spent)
redis.call('INCRBY', KEYS[1], granted)
redis.call('PEXPIRE', KEYS[1], ttl, 'NX')
return {granted, ttl}
