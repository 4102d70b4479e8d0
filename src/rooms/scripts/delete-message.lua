-- Removes a message and everything attached to it, if the deleter wrote it or may delete any message: a root's
-- thread goes (its replies stay, as Slack keeps them), a reply leaves its root's thread. A message under a legal
-- hold (its room's, or its author's: the caller names both) is hidden from users the same way, but kept whole in the
-- room's archive of held deletions, with its latest edit, reaction counts and when and by whom it was deleted, for
-- export; its attachments stay.
--
-- KEYS[1] the room's message stream
-- KEYS[2] edits hash
-- KEYS[3] reaction counts hash
-- KEYS[4] held-deletions hash
-- KEYS[5] the message's who-reacted hash
-- KEYS[6] the message's thread
-- ARGV[1] message id
-- ARGV[2] deleter id
-- ARGV[3] "1" when the deleter may delete any message
-- ARGV[4] thread prefix: the root a reply belongs to is read from its entry here, so its thread is found by this
--         prefix, which carries the room's hash tag (KEYS[1]'s slot)
-- ARGV[5] "1" when the room is held
-- ARGV[6] held user ids (space-separated: user ids hold no space)
-- ARGV[7] deletion time (epoch ms)
-- Reply: {1, attachments JSON or false, 1 when archived else 0} deleted, {-1} no such message, {-2} not allowed
local entry = redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1])[1]
if not entry then return {-1} end
local author = author_of(entry[2])
if ARGV[3] ~= '1' and author ~= ARGV[2] then return {-2} end
local archived = ARGV[5] == '1'
if not archived then
  for held in string.gmatch(ARGV[6], '%S+') do
    if held == author then archived = true break end
  end
end
if archived then
  redis.call('HSET', KEYS[4], ARGV[1], cjson.encode({
    fields = entry[2], edit = redis.call('HGET', KEYS[2], ARGV[1]), reactions = redis.call('HGET', KEYS[3], ARGV[1]),
    deletedAt = tonumber(ARGV[7]), deletedBy = ARGV[2],
  }))
  redis.call('PERSIST', KEYS[4])
end
redis.call('XDEL', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('DEL', KEYS[5], KEYS[6])
local root = field_of(entry[2], REPLY_TO_FIELD)
if root then redis.call('ZREM', ARGV[4] .. root, ARGV[1]) end
return {1, field_of(entry[2], ATTACHMENTS_FIELD) or false, archived and 1 or 0}
