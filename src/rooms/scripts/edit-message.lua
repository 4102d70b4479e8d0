-- Replaces a message's content and mentions, if the editor wrote it and is not muted in the room. The previous edit
-- tells the caller whom the message named before.
--
-- KEYS[1] the room's message stream
-- KEYS[2] edits hash
-- KEYS[3] reaction counts hash
-- KEYS[4] the editor's mute marker
-- KEYS[5] the message's thread
-- ARGV[1] message id
-- ARGV[2] editor id
-- ARGV[3] new content
-- ARGV[4] editedAt (epoch ms)
-- ARGV[5] the new content's mentions (space-separated, or "")
-- Reply: {1, fields, reactions, replyCount, lastReplyId, previous edit or false} edited, {-1} no such message,
--        {-2} not the author, {-3, mute PTTL} muted
local entry = redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1])[1]
if not entry then return {-1} end
local fields = entry[2]
if author_of(fields) ~= ARGV[2] then return {-2} end
local mute_ttl = redis.call('PTTL', KEYS[4])
if mute_ttl ~= -2 then return {-3, mute_ttl} end
local previous = redis.call('HGET', KEYS[2], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], cjson.encode({content = ARGV[3], editedAt = tonumber(ARGV[4]), mentions = ARGV[5]}))
local reply_count, last_reply = thread_summary(KEYS[5])
local stream_expiry = redis.call('PEXPIRETIME', KEYS[1])
if stream_expiry > 0 then redis.call('PEXPIREAT', KEYS[2], stream_expiry) end
return {1, fields, redis.call('HGET', KEYS[3], ARGV[1]), reply_count, last_reply, previous}
