-- A page of a root's replies, oldest first, read like history.
--
-- KEYS[1] the room's message stream
-- KEYS[2] edits hash
-- KEYS[3] reaction counts hash
-- KEYS[4] the root's thread
-- ARGV[1] root id
-- ARGV[2] after id ("": from the first reply)
-- ARGV[3] count
-- ARGV[4] thread prefix (the replies' own threads: see overlays.lua)
-- Reply: what read-messages.lua answers, or {-1} when the room does not hold the root
if not redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1])[1] then return {-1} end
local start = ARGV[2] == '' and '-inf' or ('(' .. thread_score(ARGV[2]))
local entries = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[4], start, '+inf', 'BYSCORE', 'LIMIT', 0, ARGV[3])) do
  local entry = redis.call('XRANGE', KEYS[1], id, id)[1]
  if entry then table.insert(entries, entry) end
end
return overlays_of(entries, KEYS[2], KEYS[3], ARGV[4])
