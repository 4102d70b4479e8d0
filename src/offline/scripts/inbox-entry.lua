-- One room's line in a user's inbox: the read marker, how many messages by others came after it (capped, as
-- receipts' read-state-functions.lua counts them), and the newest message with its edit and reaction counts.
--
-- KEYS[1] read markers hash
-- KEYS[2] the room's message stream
-- KEYS[3] edits hash
-- KEYS[4] reaction counts hash
-- ARGV[1] user id
-- ARGV[2] unread cap
-- Reply: {last read id or false, unread count, newest entry or false, its edit or false, its counts or false}
local last, unread = read_state(KEYS[1], KEYS[2], ARGV[1], ARGV[2])
local newest = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)[1]
if not newest then return {last or false, unread, false, false, false} end
return {last or false, unread, newest, redis.call('HGET', KEYS[3], newest[1]), redis.call('HGET', KEYS[4], newest[1])}
