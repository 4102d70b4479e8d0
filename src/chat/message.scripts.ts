/**
 * Stores a message unless it is a retry of a message already stored (answered as stored, even if its author
 * was muted since), its author is muted, or it replies to a message the room does not have, all in one round
 * trip. Every key is in the room's slot. A full room trims its oldest message, and that message's edit and
 * reaction counts go with it; the ids of trimmed messages that had reactions are returned, so that the
 * caller removes their per-reaction state too.
 * KEYS: stream, dedup marker (the stream again when there is no clientMsgId), mute marker, edits hash,
 *       reaction counts hash
 * ARGV: max length, dedup window in s ("0": no clientMsgId), replyTo id ("": none), then field/value pairs
 * Returns {1, id, trimmedWithReactions} stored, {0, id, fields?} a retry, {-1, pttl} muted, {-2} replyTo
 * not found.
 */
export const APPEND_MESSAGE_SCRIPT = `
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
local trimmed_with_reactions = {}
local overflow = redis.call('XLEN', KEYS[1]) - max_length + 1
if overflow > 0 then
  for _, entry in ipairs(redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', overflow)) do
    redis.call('HDEL', KEYS[4], entry[1])
    if redis.call('HDEL', KEYS[5], entry[1]) == 1 then table.insert(trimmed_with_reactions, entry[1]) end
  end
end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', max_length, '*', unpack(ARGV, 4))
if dedup then redis.call('SET', KEYS[2], id, 'EX', ARGV[2]) end
return {1, id, trimmed_with_reactions}
`;

/**
 * Reads a page of the stream with each message's latest edit and reaction counts, in one round trip.
 * KEYS: stream, edits hash, reaction counts hash
 * ARGV: "XRANGE" or "XREVRANGE", start, end, count
 * Returns {entries, edits, reactions}, the last two aligned with entries (false where there is none).
 */
export const READ_MESSAGES_SCRIPT = `
local entries = redis.call(ARGV[1], KEYS[1], ARGV[2], ARGV[3], 'COUNT', ARGV[4])
local edits, reactions = {}, {}
for i, entry in ipairs(entries) do
  edits[i] = redis.call('HGET', KEYS[2], entry[1])
  reactions[i] = redis.call('HGET', KEYS[3], entry[1])
end
return {entries, edits, reactions}
`;

/**
 * Replaces a message's content, if the editor wrote it and is not muted in the room.
 * KEYS: stream, edits hash, reaction counts hash, the editor's mute marker
 * ARGV: message id, editor id, new content, editedAt (ms)
 * Returns {1, fields, reactions} edited, {-1} no such message, {-2} not the author, {-3, pttl} muted.
 */
export const EDIT_MESSAGE_SCRIPT = `
local entry = redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1])[1]
if not entry then return {-1} end
local fields = entry[2]
local author
for i = 1, #fields, 2 do if fields[i] == 'u' then author = fields[i + 1] end end
if author ~= ARGV[2] then return {-2} end
local mute_ttl = redis.call('PTTL', KEYS[4])
if mute_ttl ~= -2 then return {-3, mute_ttl} end
redis.call('HSET', KEYS[2], ARGV[1], cjson.encode({content = ARGV[3], editedAt = tonumber(ARGV[4])}))
return {1, fields, redis.call('HGET', KEYS[3], ARGV[1])}
`;

/**
 * Removes a message and everything attached to it, if the deleter wrote it or may delete any message.
 * KEYS: stream, edits hash, reaction counts hash, then any further keys holding per-message state
 * ARGV: message id, deleter id, "1" when the deleter may delete any message
 * Returns {1} deleted, {-1} no such message, {-2} not allowed.
 */
export const DELETE_MESSAGE_SCRIPT = `
local entry = redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1])[1]
if not entry then return {-1} end
if ARGV[3] ~= '1' then
  local fields = entry[2]
  local author
  for i = 1, #fields, 2 do if fields[i] == 'u' then author = fields[i + 1] end end
  if author ~= ARGV[2] then return {-2} end
end
redis.call('XDEL', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
for i = 4, #KEYS do redis.call('DEL', KEYS[i]) end
return {1}
`;
