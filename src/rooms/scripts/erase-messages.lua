-- Erasure: each of the ids still in the stream and written by the user becomes a tombstone: the entry goes (its
-- content, name and everything else it held) with its edit, reaction counts and who reacted, and the tombstone keeps
-- its id, its author id and the root it replied to; thread sets are left as they are, so thread links hold.
--
-- KEYS[1] the room's message stream
-- KEYS[2] edits hash
-- KEYS[3] reaction counts hash
-- KEYS[4] tombstones hash
-- KEYS[5...] each id's who-reacted hash, in the order of the ids
-- ARGV[1] user id
-- ARGV[2] erasure time (epoch ms)
-- ARGV[3...] the ids
-- Reply: {erased ids, attachments JSON (false for none) of each erased message, in order}
local erased, attachments = {}, {}
for i = 3, #ARGV do
  local id = ARGV[i]
  local entry = redis.call('XRANGE', KEYS[1], id, id)[1]
  if entry and author_of(entry[2]) == ARGV[1] then
    local root = field_of(entry[2], REPLY_TO_FIELD)
    redis.call('HSET', KEYS[4], id, cjson.encode({ userId = ARGV[1], replyTo = root or false, erasedAt = tonumber(ARGV[2]) }))
    redis.call('XDEL', KEYS[1], id)
    redis.call('HDEL', KEYS[2], id)
    redis.call('HDEL', KEYS[3], id)
    redis.call('DEL', KEYS[i + 2])
    erased[#erased + 1] = id
    attachments[#attachments + 1] = field_of(entry[2], ATTACHMENTS_FIELD) or false
  end
end
local stream_expiry = redis.call('PEXPIRETIME', KEYS[1])
if #erased > 0 and stream_expiry > 0 then redis.call('PEXPIREAT', KEYS[4], stream_expiry) end
return {erased, attachments}
