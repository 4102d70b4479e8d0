-- Extends the leases of a user's connections that this node still holds (XX: a lease already released is not brought
-- back).
--
-- KEYS[1] the user's connections
-- ARGV[1] lease (ms)
-- ARGV[2...] socket ids
-- Reply: 1
local expiry = redis_now_ms() + tonumber(ARGV[1])
for i = 2, #ARGV do
  redis.call('ZADD', KEYS[1], 'XX', expiry, ARGV[i])
end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
