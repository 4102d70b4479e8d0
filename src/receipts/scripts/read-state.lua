-- A user's read marker and how many messages by others came after it (read-state-functions.lua).
--
-- KEYS[1] read markers hash
-- KEYS[2] the room's message stream
-- ARGV[1] user id
-- ARGV[2] unread cap
-- Reply: {last read id or false, unread count}
local last, unread = read_state(KEYS[1], KEYS[2], ARGV[1], ARGV[2])
return {last or false, unread}
