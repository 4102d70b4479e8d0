import { REDIS_NOW_MS } from '../redis/lua-snippets';

/**
 * Sets how many connections an owner holds for a user in a room (0 removes the entry) and keeps the user's
 * total across owners. Absolute counts make a repeated or re-sent write harmless.
 * KEYS: connections hash, users hash, names hash
 * ARGV: owner, user id, count, display name ("" when none)
 * Returns {total before, total after, room change}: 0 -> n is a join, n -> 0 a leave; the room change is 1 when
 * this write made the room's first member (occupied), -1 when it removed its last (vacated), else 0.
 */
export const SET_CONNECTIONS_SCRIPT = `
local field = ARGV[1] .. '|' .. ARGV[2]
local held = tonumber(redis.call('HGET', KEYS[1], field) or '0')
local count = tonumber(ARGV[3])
local before = tonumber(redis.call('HGET', KEYS[2], ARGV[2]) or '0')
if held == count then return {before, before, 0} end
local was_empty = redis.call('EXISTS', KEYS[2]) == 0
if count > 0 then redis.call('HSET', KEYS[1], field, count) else redis.call('HDEL', KEYS[1], field) end
local after = before + count - held
if after > 0 then
  redis.call('HSET', KEYS[2], ARGV[2], after)
  if ARGV[4] ~= '' then redis.call('HSET', KEYS[3], ARGV[2], ARGV[4]) end
else
  after = 0
  redis.call('HDEL', KEYS[2], ARGV[2])
  redis.call('HDEL', KEYS[3], ARGV[2])
end
local room_change = 0
if before == 0 and after > 0 and was_empty then room_change = 1 end
if before > 0 and after == 0 and redis.call('EXISTS', KEYS[2]) == 0 then room_change = -1 end
return {before, after, room_change}
`;

/**
 * Removes every entry an owner holds in a room (a dead or retiring node).
 * KEYS: connections hash, users hash, names hash
 * ARGV: owner
 * Returns {vacated, userId, name or "", ...}: vacated is 1 when the room lost its last member with them, then
 * the users who are no longer present anywhere.
 */
export const REMOVE_OWNER_SCRIPT = `
local prefix = ARGV[1] .. '|'
local gone = {0}
local entries = redis.call('HGETALL', KEYS[1])
for i = 1, #entries, 2 do
  local field = entries[i]
  if string.sub(field, 1, #prefix) == prefix then
    local user = string.sub(field, #prefix + 1)
    redis.call('HDEL', KEYS[1], field)
    local before = tonumber(redis.call('HGET', KEYS[2], user) or '0')
    local after = before - tonumber(entries[i + 1])
    if after > 0 then
      redis.call('HSET', KEYS[2], user, after)
    elseif before > 0 then
      gone[#gone + 1] = user
      gone[#gone + 1] = redis.call('HGET', KEYS[3], user) or ''
      redis.call('HDEL', KEYS[2], user)
      redis.call('HDEL', KEYS[3], user)
    end
  end
end
if #gone > 1 and redis.call('EXISTS', KEYS[2]) == 0 then gone[1] = 1 end
return gone
`;

/**
 * Who is in a room: {userId, connections, name or false, ...}.
 * KEYS: users hash, names hash
 */
export const LIST_MEMBERS_SCRIPT = `
local users = redis.call('HGETALL', KEYS[1])
local out = {}
for i = 1, #users, 2 do
  out[#out + 1] = users[i]
  out[#out + 1] = users[i + 1]
  out[#out + 1] = redis.call('HGET', KEYS[2], users[i]) or false
end
return out
`;

/**
 * Records an owner's heartbeat at Redis's clock (one clock for every node, whatever their skew) and lists
 * owners that stopped beating, and removals whose claimer stopped too.
 * KEYS: owners zset, reaping zset
 * ARGV: owner, "1" when the owner was registered before, ttl in ms
 * Returns {0} when a registered owner is no longer known (it was taken for dead), else {1, stale owners}.
 */
export const HEARTBEAT_SCRIPT = `${REDIS_NOW_MS}
local now = redis_now_ms()
if ARGV[2] == '1' and not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return {0} end
redis.call('ZADD', KEYS[1], now, ARGV[1])
local limit = now - tonumber(ARGV[3])
local stale = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', limit, 'LIMIT', 0, 16)
for _, owner in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', limit, 'LIMIT', 0, 16)) do stale[#stale + 1] = owner end
return {1, stale}
`;

/**
 * Takes the job of removing a stale owner's entries: exactly one caller wins it. A claim whose claimer dies
 * goes stale in turn and can be taken again; removing entries twice is harmless.
 * KEYS: owners zset, reaping zset
 * ARGV: owner, ttl in ms, "1" to take it whatever its age (a node retiring its own entries)
 * Returns 1 when the caller now owns the removal, 0 otherwise.
 */
export const CLAIM_OWNER_SCRIPT = `${REDIS_NOW_MS}
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
`;
