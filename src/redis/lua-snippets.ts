/**
 * Lua shared by several scripts, prepended to them. Redis time (not the node's clock) so that every node
 * agrees on lease and heartbeat ages.
 */
export const REDIS_NOW_MS = `
local function redis_now_ms()
  local time = redis.call('TIME')
  return tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end
`;
