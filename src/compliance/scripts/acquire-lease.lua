-- The retention sweeper's lease: taken when free, renewed when this node holds it.
--
-- KEYS[1] the lease
-- ARGV[1] node id
-- ARGV[2] lease (ms)
-- Reply: 1 this node holds it now, 0 another does
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if holder then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
