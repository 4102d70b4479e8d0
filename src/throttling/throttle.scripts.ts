import { REDIS_NOW_MS } from '../redis/lua-snippets';

/**
 * One hit against a fixed-window budget, with the blocking the ThrottlerStorage interface describes: the hit
 * that goes over the limit blocks the tracker for `blockMs`, hits while blocked are not counted, and a fresh
 * window starts once the block is over.
 * KEYS: hits counter, block marker. ARGV: ttlMs, limit, blockMs.
 * Returns { totalHits, msToExpire, isBlocked (0|1), msToBlockExpire }.
 */
export const HIT_SCRIPT = `
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
`;

/**
 * Admits one more connection of a user unless `max` leases are live. Leases are scored by their expiry in
 * Redis time, so that every node agrees on it and the connections of a node that died stop counting by
 * themselves. KEYS: the user's connections. ARGV: socket id, leaseMs, max. Returns 1 if admitted, else 0.
 */
export const ADMIT_CONNECTION_SCRIPT = `${REDIS_NOW_MS}
local now = redis_now_ms()
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then
  return 0
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;

/**
 * How many live leases (connections) each user holds, by Redis time like the leases themselves.
 * KEYS: the users' connections (one key per call: users live in different slots). Returns the count.
 */
export const COUNT_LIVE_CONNECTIONS_SCRIPT = `${REDIS_NOW_MS}
return redis.call('ZCOUNT', KEYS[1], string.format('(%d', redis_now_ms()), '+inf')
`;

/**
 * Extends the leases of a user's connections that this node still holds (XX: a lease already released is
 * not brought back). KEYS: the user's connections. ARGV: leaseMs, socket ids...
 */
export const RENEW_CONNECTIONS_SCRIPT = `${REDIS_NOW_MS}
local expiry = redis_now_ms() + tonumber(ARGV[1])
for i = 2, #ARGV do
  redis.call('ZADD', KEYS[1], 'XX', expiry, ARGV[i])
end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
`;

/**
 * Grants a node a slice of a fixed-window budget: up to `want` of what is left in the window, counted as
 * spent at once. The node spends the slice locally, so most events need no round trip.
 * KEYS: the budget's counter. ARGV: ttlMs, limit, want.
 * Returns { granted (0 when the window is spent), msToExpire }.
 */
export const GRANT_SCRIPT = `
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
`;
