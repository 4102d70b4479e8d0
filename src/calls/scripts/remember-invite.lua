-- Records the pair of an invite unless the call id is another pair's already (an invite cannot take over a call in
-- progress); the same pair inviting again renews it.
--
-- KEYS[1] the call's parties
-- ARGV[1] the pair ("<user> <user>")
-- ARGV[2] TTL (s)
-- Reply: 1 recorded, 0 refused
local parties = redis.call('GET', KEYS[1])
if parties and parties ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 1
