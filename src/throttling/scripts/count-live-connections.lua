-- How many live leases (connections) a user holds, by Redis time like the leases themselves (one key per call: users
-- live in different slots).
--
-- KEYS[1] the user's connections
-- Reply: the count
return redis.call('ZCOUNT', KEYS[1], string.format('(%d', redis_now_ms()), '+inf')
