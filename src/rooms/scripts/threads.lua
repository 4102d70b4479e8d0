-- Library: threads. A root's replies are a sorted set of the room, scored in send order. The score is the id's ms
-- and its sequence as three digits ("<ms><seq:03>", exact in a double for 2^53 / 1000 ms, until the year 2255); a
-- room would need 1000 sends in one millisecond of Redis time to break the order, which the send script's own cost
-- rules out. `thread_summary` is what a root carries: its reply count and its newest reply's id.
local function thread_score(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  return ms .. string.format('%03d', tonumber(seq))
end
local function thread_summary(thread_key)
  local count = redis.call('ZCARD', thread_key)
  if count == 0 then return 0, false end
  return count, redis.call('ZRANGE', thread_key, -1, -1)[1]
end
