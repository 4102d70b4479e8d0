import { STREAM_ATTACHMENTS_FIELD, STREAM_AUTHOR_FIELD, STREAM_REPLY_TO_FIELD } from './message.codec';

/** The one author lookup of every script: a stream entry's author field, from its flat field list. */
const AUTHOR_OF = `
local function author_of(fields)
  for i = 1, #fields, 2 do if fields[i] == '${STREAM_AUTHOR_FIELD}' then return fields[i + 1] end end
end
`;

/** A stream entry's field by name, from its flat field list. */
const FIELD_OF = `
local function field_of(fields, name)
  for i = 1, #fields, 2 do if fields[i] == name then return fields[i + 1] end end
end
`;

/**
 * Threads: a root's replies in a sorted set of the room, scored in send order. The score is the id's ms and its
 * sequence as three digits ("<ms><seq:03>", exact in a double for 2^53 / 1000 ms, until the year 2255); a room
 * would need 1000 sends in one millisecond of Redis time to break the order, which the send script's own cost
 * rules out. `thread_summary` is what a root carries: its reply count and its newest reply's id.
 */
const THREAD_FUNCTIONS = `
local function thread_score(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  return ms .. string.format('%03d', tonumber(seq))
end
local function thread_summary(thread_key)
  local count = redis.call('ZCARD', thread_key)
  if count == 0 then return 0, false end
  return count, redis.call('ZRANGE', thread_key, -1, -1)[1]
end
`;

/**
 * Stores a message unless it is a retry of a message already stored (answered as stored, even if its author
 * was muted since), its author is muted, or it replies to a message the room does not have, all in one round
 * trip. Every key is in the room's slot. A reply joins its root's thread. A full room trims its oldest message,
 * and that message's edit, reaction counts and thread go with it (a trimmed reply leaves its root's thread);
 * the ids of trimmed messages that had reactions are returned, so that the caller removes their per-reaction
 * state too, with every trimmed id (for the search index) and the stored attachments of trimmed messages.
 * KEYS: stream, dedup marker (the stream again when there is no clientMsgId), mute marker, edits hash,
 *       reaction counts hash, the replyTo's thread (the stream again when there is no replyTo), read markers,
 *       tombstones
 * ARGV: max length, dedup window in s ("0": no clientMsgId), replyTo id ("": none), thread prefix, idle lifetime
 *       in ms (the stream, edits, counts, read markers and tombstones expire that long after the last message,
 *       give or take a day: their lifetime is renewed once it has run down by LIFETIME_REFRESH_SLACK_MS, so a busy
 *       room pays one PTTL per message), the room's live channel, the live payload's head and body
 *       (rooms/live-feed.ts: the stored message is published as head .. id .. body .. the id's milliseconds .. '}'),
 *       then field/value pairs. A reply's thread takes the stream's lifetime. No key of the room gets a longer
 *       lifetime than the stream (docs/COMPLIANCE.md).
 * The publication is in the script, after the XADD: every node hears the room's messages in the order Redis
 * stored them, which is id order, and a message is published if and only if it is stored.
 * Returns {1, id, trimmedWithReactions, trimmedIds, trimmedAttachments (JSON lists)} stored, {0, id, fields?}
 * a retry, {-1, pttl} muted, {-2} replyTo not found.
 */
export const LIFETIME_REFRESH_SLACK_MS = 86_400_000;

export const APPEND_MESSAGE_SCRIPT = `${FIELD_OF}${THREAD_FUNCTIONS}
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
    local root = field_of(entry[2], '${STREAM_REPLY_TO_FIELD}')
    if root then redis.call('ZREM', ARGV[4] .. root, trimmed) end
    local attachments = field_of(entry[2], '${STREAM_ATTACHMENTS_FIELD}')
    if attachments then table.insert(trimmed_attachments, attachments) end
  end
end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', max_length, '*', unpack(ARGV, 9))
redis.call('SPUBLISH', ARGV[6], ARGV[7] .. id .. ARGV[8] .. string.match(id, '^(%d+)-') .. '}')
local lifetime = tonumber(ARGV[5])
-- the other keys take the stream's expiry as an absolute time: a relative TTL set a millisecond later would outlive it
if redis.call('PTTL', KEYS[1]) < lifetime - ${LIFETIME_REFRESH_SLACK_MS} then
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
`;

/** What every read answers beside entries: each one's latest edit, reaction counts and thread summary. */
const OVERLAYS_OF = `
local function overlays_of(entries, edits_key, reactions_key, thread_prefix)
  local edits, reactions, reply_counts, last_replies = {}, {}, {}, {}
  for i, entry in ipairs(entries) do
    edits[i] = redis.call('HGET', edits_key, entry[1])
    reactions[i] = redis.call('HGET', reactions_key, entry[1])
    reply_counts[i], last_replies[i] = thread_summary(thread_prefix .. entry[1])
  end
  return {entries, edits, reactions, reply_counts, last_replies}
end
`;

/**
 * Reads a page of the stream with each message's latest edit, reaction counts and thread, in one round trip.
 * KEYS: stream, edits hash, reaction counts hash
 * ARGV: "XRANGE" or "XREVRANGE", start, end, count, thread prefix
 * Returns {entries, edits, reactions, replyCounts, lastReplyIds}, the others aligned with entries (false where
 * there is none).
 */
export const READ_MESSAGES_SCRIPT = `${THREAD_FUNCTIONS}${OVERLAYS_OF}
local entries = redis.call(ARGV[1], KEYS[1], ARGV[2], ARGV[3], 'COUNT', ARGV[4])
return overlays_of(entries, KEYS[2], KEYS[3], ARGV[5])
`;

/**
 * A page of a root's replies, oldest first, read like history.
 * KEYS: stream, edits hash, reaction counts hash, the root's thread
 * ARGV: root id, after id ("": from the first reply), count, thread prefix
 * Returns what READ_MESSAGES_SCRIPT returns, or {-1} when the room does not hold the root.
 */
export const READ_REPLIES_SCRIPT = `${THREAD_FUNCTIONS}${OVERLAYS_OF}
if not redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1])[1] then return {-1} end
local start = ARGV[2] == '' and '-inf' or ('(' .. thread_score(ARGV[2]))
local entries = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[4], start, '+inf', 'BYSCORE', 'LIMIT', 0, ARGV[3])) do
  local entry = redis.call('XRANGE', KEYS[1], id, id)[1]
  if entry then table.insert(entries, entry) end
end
return overlays_of(entries, KEYS[2], KEYS[3], ARGV[4])
`;

/**
 * Replaces a message's content and mentions, if the editor wrote it and is not muted in the room.
 * KEYS: stream, edits hash, reaction counts hash, the editor's mute marker, the message's thread
 * ARGV: message id, editor id, new content, editedAt (ms), the new content's mentions (space-separated, or '')
 * Returns {1, fields, reactions, replyCount, lastReplyId, previous edit or false} edited, {-1} no such message,
 * {-2} not the author, {-3, pttl} muted. The previous edit tells the caller whom the message named before.
 */
export const EDIT_MESSAGE_SCRIPT = `${AUTHOR_OF}${THREAD_FUNCTIONS}
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
`;

/**
 * Removes a message and everything attached to it, if the deleter wrote it or may delete any message: a root's
 * thread goes (its replies stay, as Slack keeps them), a reply leaves its root's thread. A message under a legal
 * hold (its room's, or its author's: the caller names both) is hidden from users the same way, but kept whole in
 * the room's archive of held deletions, with its latest edit, reaction counts and when and by whom it was deleted,
 * for export; its attachments stay.
 * KEYS: stream, edits hash, reaction counts hash, held-deletions hash, then keys of the message to delete (its
 *       who-reacted hash, its thread)
 * ARGV: message id, deleter id, "1" when the deleter may delete any message, thread prefix, "1" when the room is
 *       held, held user ids (space-separated: user ids hold no space), deletion time (epoch ms)
 * Returns {1, attachments JSON or false, 1 when archived else 0} deleted, {-1} no such message, {-2} not allowed.
 */
export const DELETE_MESSAGE_SCRIPT = `${AUTHOR_OF}${FIELD_OF}
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
for i = 5, #KEYS do redis.call('DEL', KEYS[i]) end
local root = field_of(entry[2], '${STREAM_REPLY_TO_FIELD}')
if root then redis.call('ZREM', ARGV[4] .. root, ARGV[1]) end
return {1, field_of(entry[2], '${STREAM_ATTACHMENTS_FIELD}') or false, archived and 1 or 0}
`;

/**
 * Erasure: each of the ids still in the stream and written by the user becomes a tombstone: the entry goes (its
 * content, name and everything else it held) with its edit, reaction counts and who reacted, and the tombstone
 * keeps its id, its author id and the root it replied to; thread sets are left as they are, so thread links hold.
 * KEYS: stream, edits hash, reaction counts hash, tombstones hash, then each id's who-reacted hash
 * ARGV: user id, erasure time (epoch ms), then the ids, in the order of their who-reacted keys
 * Returns the attachments JSON of each message erased (false for one without), in order, and the erased ids.
 */
export const ERASE_MESSAGES_SCRIPT = `${AUTHOR_OF}${FIELD_OF}
local erased, attachments = {}, {}
for i = 3, #ARGV do
  local id = ARGV[i]
  local entry = redis.call('XRANGE', KEYS[1], id, id)[1]
  if entry and author_of(entry[2]) == ARGV[1] then
    local root = field_of(entry[2], '${STREAM_REPLY_TO_FIELD}')
    redis.call('HSET', KEYS[4], id, cjson.encode({ userId = ARGV[1], replyTo = root or false, erasedAt = tonumber(ARGV[2]) }))
    redis.call('XDEL', KEYS[1], id)
    redis.call('HDEL', KEYS[2], id)
    redis.call('HDEL', KEYS[3], id)
    redis.call('DEL', KEYS[i + 2])
    erased[#erased + 1] = id
    attachments[#attachments + 1] = field_of(entry[2], '${STREAM_ATTACHMENTS_FIELD}') or false
  end
end
local stream_expiry = redis.call('PEXPIRETIME', KEYS[1])
if #erased > 0 and stream_expiry > 0 then redis.call('PEXPIREAT', KEYS[4], stream_expiry) end
return {erased, attachments}
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
local stream_expiry = redis.call('PEXPIRETIME', KEYS[1])
if stream_expiry > 0 then
  redis.call('PEXPIREAT', KEYS[2], stream_expiry)
  redis.call('PEXPIREAT', KEYS[3], stream_expiry)
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
local stream_expiry = redis.call('PEXPIRETIME', KEYS[2])
if stream_expiry > 0 then redis.call('PEXPIREAT', KEYS[1], stream_expiry) end
return 1
`;

/** The read state of the join ack and of the inbox: the marker, and messages by others after it up to a cap. */
const READ_STATE_OF = `${AUTHOR_OF}
local function read_state(last_read_key, stream_key, user_id, cap)
  local last = redis.call('HGET', last_read_key, user_id)
  local stop = last and ('(' .. last) or '-'
  local unread = 0
  for _, entry in ipairs(redis.call('XREVRANGE', stream_key, '+', stop, 'COUNT', cap)) do
    if author_of(entry[2]) ~= user_id then unread = unread + 1 end
  end
  return last, unread
end
`;

/**
 * A user's read marker and how many messages by others came after it (all of them without a marker),
 * counting newest first and stopping at a cap.
 * KEYS: last-read hash, message stream
 * ARGV: user id, cap
 * Returns {last read id or false, unread count}.
 */
export const READ_STATE_SCRIPT = `${READ_STATE_OF}
local last, unread = read_state(KEYS[1], KEYS[2], ARGV[1], ARGV[2])
return {last or false, unread}
`;

/**
 * One room's line in a user's inbox: the read marker, how many messages by others came after it (capped), and
 * the newest message with its edit and reaction counts.
 * KEYS: last-read hash, message stream, edits hash, reaction counts hash
 * ARGV: user id, cap
 * Returns {last read id or false, unread count, newest entry or false, its edit or false, its counts or false}.
 */
export const INBOX_ENTRY_SCRIPT = `${READ_STATE_OF}
local last, unread = read_state(KEYS[1], KEYS[2], ARGV[1], ARGV[2])
local newest = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)[1]
if not newest then return {last or false, unread, false, false, false} end
return {last or false, unread, newest, redis.call('HGET', KEYS[3], newest[1]), redis.call('HGET', KEYS[4], newest[1])}
`;
