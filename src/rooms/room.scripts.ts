import { STREAM_AUTHOR_FIELD } from './message.codec';

/** The one author lookup of every script: a stream entry's author field, from its flat field list. */
const AUTHOR_OF = `
local function author_of(fields)
  for i = 1, #fields, 2 do if fields[i] == '${STREAM_AUTHOR_FIELD}' then return fields[i + 1] end end
end
`;

/**
 * Stores a message unless it is a retry of a message already stored (answered as stored, even if its author
 * was muted since), its author is muted, or it replies to a message the room does not have, all in one round
 * trip. Every key is in the room's slot. A full room trims its oldest message, and that message's edit and
 * reaction counts go with it; the ids of trimmed messages that had reactions are returned, so that the
 * caller removes their per-reaction state too.
 * KEYS: stream, dedup marker (the stream again when there is no clientMsgId), mute marker, edits hash,
 *       reaction counts hash
 * ARGV: max length, dedup window in s ("0": no clientMsgId), replyTo id ("": none), idle lifetime in ms (the
 *       stream, edits and counts expire that long after the last message, give or take a day: their lifetime
 *       is renewed once it has run down by LIFETIME_REFRESH_SLACK_MS, so a busy room pays one PTTL per message),
 *       then field/value pairs
 * Returns {1, id, trimmedWithReactions} stored, {0, id, fields?} a retry, {-1, pttl} muted, {-2} replyTo
 * not found.
 */
const LIFETIME_REFRESH_SLACK_MS = 86_400_000;

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
local id = redis.call('XADD', KEYS[1], 'MAXLEN', max_length, '*', unpack(ARGV, 5))
local lifetime = tonumber(ARGV[4])
if redis.call('PTTL', KEYS[1]) < lifetime - ${LIFETIME_REFRESH_SLACK_MS} then
  redis.call('PEXPIRE', KEYS[1], lifetime)
  redis.call('PEXPIRE', KEYS[4], lifetime)
  redis.call('PEXPIRE', KEYS[5], lifetime)
end
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
export const EDIT_MESSAGE_SCRIPT = `${AUTHOR_OF}
local entry = redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1])[1]
if not entry then return {-1} end
local fields = entry[2]
if author_of(fields) ~= ARGV[2] then return {-2} end
local mute_ttl = redis.call('PTTL', KEYS[4])
if mute_ttl ~= -2 then return {-3, mute_ttl} end
redis.call('HSET', KEYS[2], ARGV[1], cjson.encode({content = ARGV[3], editedAt = tonumber(ARGV[4])}))
local stream_ttl = redis.call('PTTL', KEYS[1])
if stream_ttl > 0 then redis.call('PEXPIRE', KEYS[2], stream_ttl) end
return {1, fields, redis.call('HGET', KEYS[3], ARGV[1])}
`;

/**
 * Removes a message and everything attached to it, if the deleter wrote it or may delete any message.
 * KEYS: stream, edits hash, reaction counts hash, the message's who-reacted hash
 * ARGV: message id, deleter id, "1" when the deleter may delete any message
 * Returns {1} deleted, {-1} no such message, {-2} not allowed.
 */
export const DELETE_MESSAGE_SCRIPT = `${AUTHOR_OF}
local entry = redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1])[1]
if not entry then return {-1} end
if ARGV[3] ~= '1' and author_of(entry[2]) ~= ARGV[2] then return {-2} end
redis.call('XDEL', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
for i = 4, #KEYS do redis.call('DEL', KEYS[i]) end
return {1}
`;

/**
 * Adds or removes one user's reaction and rewrites the message's counts, atomically; adding twice or
 * removing what is not there changes nothing.
 * KEYS: message stream, reaction counts hash (message id -> JSON {emoji: count}), the message's by-user hash
 * ARGV: "add" or "remove", message id, emoji, user id, most distinct emoji a message may carry
 * Returns {1, counts JSON} changed, {0, counts JSON} unchanged, {-1} no such message, {-2} too many emoji.
 */
export const REACT_SCRIPT = `
if not redis.call('XRANGE', KEYS[1], ARGV[2], ARGV[2])[1] then return {-1} end
local raw = redis.call('HGET', KEYS[2], ARGV[2])
local counts = raw and cjson.decode(raw) or {}
local emoji = ARGV[3]
local field = emoji .. '\\n' .. ARGV[4]
if ARGV[1] == 'add' then
  if counts[emoji] == nil then
    local distinct = 0
    for _ in pairs(counts) do distinct = distinct + 1 end
    if distinct >= tonumber(ARGV[5]) then return {-2} end
  end
  if redis.call('HSETNX', KEYS[3], field, '1') == 0 then return {0, raw or '{}'} end
  counts[emoji] = (counts[emoji] or 0) + 1
else
  if redis.call('HDEL', KEYS[3], field) == 0 then return {0, raw or '{}'} end
  counts[emoji] = counts[emoji] - 1
  if counts[emoji] <= 0 then counts[emoji] = nil end
end
if next(counts) == nil then
  redis.call('HDEL', KEYS[2], ARGV[2])
  return {1, '{}'}
end
local encoded = cjson.encode(counts)
redis.call('HSET', KEYS[2], ARGV[2], encoded)
local stream_ttl = redis.call('PTTL', KEYS[1])
if stream_ttl > 0 then
  redis.call('PEXPIRE', KEYS[2], stream_ttl)
  redis.call('PEXPIRE', KEYS[3], stream_ttl)
end
return {1, encoded}
`;

/**
 * Moves a user's read marker forward to a message the room holds; an older or equal id leaves it.
 * KEYS: last-read hash, message stream
 * ARGV: user id, message id
 * Returns 1 moved, 0 already at or past it, -1 no such message.
 */
export const MARK_READ_SCRIPT = `
if not redis.call('XRANGE', KEYS[2], ARGV[2], ARGV[2])[1] then return -1 end
local current = redis.call('HGET', KEYS[1], ARGV[1])
if current then
  local cms, cseq = string.match(current, '^(%d+)-(%d+)$')
  local ms, seq = string.match(ARGV[2], '^(%d+)-(%d+)$')
  cms, cseq, ms, seq = tonumber(cms), tonumber(cseq), tonumber(ms), tonumber(seq)
  if ms < cms or (ms == cms and seq <= cseq) then return 0 end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
local stream_ttl = redis.call('PTTL', KEYS[2])
if stream_ttl > 0 then redis.call('PEXPIRE', KEYS[1], stream_ttl) end
return 1
`;

/**
 * A user's read marker and how many messages by others came after it (all of them without a marker),
 * counting newest first and stopping at a cap.
 * KEYS: last-read hash, message stream
 * ARGV: user id, cap
 * Returns {last read id or false, unread count}.
 */
export const READ_STATE_SCRIPT = `${AUTHOR_OF}
local last = redis.call('HGET', KEYS[1], ARGV[1])
local stop = last and ('(' .. last) or '-'
local unread = 0
for _, entry in ipairs(redis.call('XREVRANGE', KEYS[2], '+', stop, 'COUNT', ARGV[2])) do
  if author_of(entry[2]) ~= ARGV[1] then unread = unread + 1 end
end
return {last or false, unread}
`;
