-- One hit against a fixed-window budget, with the blocking the ThrottlerStorage interface describes: the hit that
-- goes over the limit blocks the tracker for `blockMs`, hits while blocked are not counted, and a fresh window starts
-- once the block is over.
--
-- KEYS[1] hits counter
-- KEYS[2] block marker
-- ARGV[1] window (ms)
-- ARGV[2] limit
-- ARGV[3] blockMs (0: no block beyond the window)
-- Reply: {totalHits, msToExpire, isBlocked (0|1), msToBlockExpire}
local blockedFor = redis.call('PTTL', KEYS[2])
if blockedFor > 0 then
  return {tonumber(ARGV[2]) + 1, blockedFor, 1, blockedFor}
end
local hits = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  ttl = tonumber(ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ttl)
end
if hits <= tonumber(ARGV[2]) then
  return {hits, ttl, 0, 0}
end
local blockMs = tonumber(ARGV[3])
if blockMs <= 0 then
  return {hits, ttl, 1, ttl}
end
redis.call('SET', KEYS[2], '1', 'PX', blockMs)
redis.call('DEL', KEYS[1])
return {hits, blockMs, 1, blockMs}
