-- Library: Redis time (not a node's clock), so that every node agrees on lease and heartbeat ages.
local function redis_now_ms()
  local time = redis.call('TIME')
  return tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end
