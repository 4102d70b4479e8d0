-- Who is in a room.
--
-- KEYS[1] the room's users hash
-- KEYS[2] the room's names hash
-- Reply: {userId, connections, name or false, ...}
local users = redis.call('HGETALL', KEYS[1])
local out = {}
for i = 1, #users, 2 do
  out[#out + 1] = users[i]
  out[#out + 1] = users[i + 1]
  out[#out + 1] = redis.call('HGET', KEYS[2], users[i]) or false
end
return out
