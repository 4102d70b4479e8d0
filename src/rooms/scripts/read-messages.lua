-- Reads a page of the stream with each message's latest edit, reaction counts and thread, in one round trip.
--
-- KEYS[1] the room's message stream
-- KEYS[2] edits hash
-- KEYS[3] reaction counts hash
-- ARGV[1] "XRANGE" or "XREVRANGE"
-- ARGV[2] start
-- ARGV[3] end
-- ARGV[4] count
-- ARGV[5] thread prefix (the read messages' threads: see overlays.lua)
-- Reply: {entries, edits, reactions, replyCounts, lastReplyIds}, the others aligned with entries (false where there
--        is none)
local entries = redis.call(ARGV[1], KEYS[1], ARGV[2], ARGV[3], 'COUNT', ARGV[4])
return overlays_of(entries, KEYS[2], KEYS[3], ARGV[5])
