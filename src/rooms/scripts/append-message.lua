-- Stores a message unless it is a retry of a message already stored (answered as stored, even if its author was
-- muted since), its author is muted, or it replies to a message the room does not have, all in one round trip. A
-- reply joins its root's thread. A full room trims its oldest message, and that message's edit, reaction counts and
-- thread go with it (a trimmed reply leaves its root's thread); the ids of trimmed messages that had reactions are
-- returned, so that the caller removes their who-reacted hashes too, with every trimmed id (for the search index)
-- and the stored attachments of trimmed messages.
-- The publication is in the script, after the XADD: every node hears the room's messages in the order Redis stored
-- them, which is id order, and a message is published if and only if it is stored.
-- No key of the room gets a longer lifetime than the stream (docs/COMPLIANCE.md): the other keys take the stream's
-- expiry as an absolute time, since a relative TTL set a millisecond later would outlive it.
--
-- KEYS[1] the room's message stream
-- KEYS[2] the dedup marker (the stream again when there is no clientMsgId)
-- KEYS[3] the author's mute marker
-- KEYS[4] edits hash
-- KEYS[5] reaction counts hash
-- KEYS[6] the replyTo's thread (the stream again when there is no replyTo)
-- KEYS[7] read markers hash
-- KEYS[8] tombstones hash
-- ARGV[1] max length of the stream
-- ARGV[2] dedup window in s ("0": no clientMsgId)
-- ARGV[3] replyTo id ("": none)
-- ARGV[4] thread prefix: the threads of trimmed messages and of their roots are known only once the trim read
--         them, so they are found by this prefix, which carries the room's hash tag (KEYS[1]'s slot)
-- ARGV[5] idle lifetime in ms: the stream, edits, counts, read markers and tombstones expire that long after the
--         last message, give or take LIFETIME_REFRESH_SLACK_MS: their lifetime is renewed once it has run down by
--         that much, so a busy room pays one PTTL per message
-- ARGV[6] the room's live channel (a sharded pub/sub channel in the room's slot, not a key)
-- ARGV[7] the live payload's head and
-- ARGV[8] its body (rooms/live-feed.ts: the stored message is published as head .. id .. body .. the id's
--         milliseconds .. '}')
-- ARGV[9...] the message's field/value pairs
-- Reply: {1, id, trimmedWithReactions, trimmedIds, trimmedAttachments (JSON lists)} stored,
--        {0, id, fields?} a retry, {-1, mute PTTL} muted, {-2} replyTo not found
local dedup = ARGV[2] ~= '0'
if dedup then
  local existing = redis.call('GET', KEYS[2])
  if existing then
    local entries = redis.call('XRANGE', KEYS[1], existing, existing)
    if entries[1] then return {0, existing, entries[1][2]} end
    return {0, existing}
  end
end
local mute_ttl = redis.call('PTTL', KEYS[3])
if mute_ttl ~= -2 then return {-1, mute_ttl} end
if ARGV[3] ~= '' and not redis.call('XRANGE', KEYS[1], ARGV[3], ARGV[3])[1] then return {-2} end
local max_length = tonumber(ARGV[1])
local trimmed_with_reactions, trimmed_ids, trimmed_attachments = {}, {}, {}
local overflow = redis.call('XLEN', KEYS[1]) - max_length + 1
if overflow > 0 then
  for _, entry in ipairs(redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', overflow)) do
    local trimmed = entry[1]
    redis.call('HDEL', KEYS[4], trimmed)
    if redis.call('HDEL', KEYS[5], trimmed) == 1 then table.insert(trimmed_with_reactions, trimmed) end
    table.insert(trimmed_ids, trimmed)
    redis.call('DEL', ARGV[4] .. trimmed)
    local root = field_of(entry[2], REPLY_TO_FIELD)
    if root then redis.call('ZREM', ARGV[4] .. root, trimmed) end
    local attachments = field_of(entry[2], ATTACHMENTS_FIELD)
    if attachments then table.insert(trimmed_attachments, attachments) end
  end
end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', max_length, '*', unpack(ARGV, 9))
redis.call('SPUBLISH', ARGV[6], ARGV[7] .. id .. ARGV[8] .. string.match(id, '^(%d+)-') .. '}')
local lifetime = tonumber(ARGV[5])
if redis.call('PTTL', KEYS[1]) < lifetime - LIFETIME_REFRESH_SLACK_MS then
  redis.call('PEXPIRE', KEYS[1], lifetime)
  local stream_expiry = redis.call('PEXPIRETIME', KEYS[1])
  for _, key in ipairs({KEYS[4], KEYS[5], KEYS[7], KEYS[8]}) do redis.call('PEXPIREAT', key, stream_expiry) end
end
if dedup then redis.call('SET', KEYS[2], id, 'EX', ARGV[2]) end
if ARGV[3] ~= '' then
  redis.call('ZADD', KEYS[6], thread_score(id), id)
  redis.call('PEXPIREAT', KEYS[6], redis.call('PEXPIRETIME', KEYS[1]))
end
return {1, id, trimmed_with_reactions, trimmed_ids, trimmed_attachments}
