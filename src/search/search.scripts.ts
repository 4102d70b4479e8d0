/**
 * The index writes as Lua functions, called by APPLY_INDEX_WRITES_SCRIPT for each queued change of a room.
 * Key names come from the caller (`searchKeys`): `docs_key` is the documents hash, `prefix` the postings prefix;
 * the postings keys are built here from that prefix because their words are not known before the script runs,
 * and they share the documents' `{room}` slot.
 */
export const SEARCH_INDEX_FUNCTIONS = `
local function search_unindex(docs_key, prefix, id)
  local indexed = redis.call('HGET', docs_key, id)
  if not indexed then return 0 end
  for word in string.gmatch(indexed, '%S+') do
    redis.call('ZREM', prefix .. word, id)
  end
  redis.call('HDEL', docs_key, id)
  return 1
end

-- terms: a flat list word, count, word, count ... from index first up to, not including, index last (default:
-- to the end). The documents entry is written even without words: its presence says "indexed" (see below).
local function search_index(docs_key, prefix, id, terms, first, last)
  search_unindex(docs_key, prefix, id)
  local indexed = {}
  for i = first, (last or #terms + 1) - 2, 2 do
    redis.call('ZADD', prefix .. terms[i], terms[i + 1], id)
    indexed[#indexed + 1] = terms[i]
  end
  redis.call('HSET', docs_key, id, table.concat(indexed, ' '))
  return #indexed
end
`;

/**
 * The room's index lives no longer than its messages: every key written takes the stream's remaining lifetime.
 * The documents hash keeps the lifetime of the last full renewal, so a stream renewed since (the send script
 * renews it at most about once a day, by at least a day) differs from it by more than this, and the next write
 * renews every posting of the room, words of old messages included (O(words of the room), at most about once a
 * day per active room, after the acks).
 */
const RENEWAL_GAP_MS = 60_000;

/**
 * Index writes of one room, in the order they were made: what SearchIndexWriter gathered over its flush window.
 * KEYS[1] documents, KEYS[2] the room's message stream; ARGV: prefix, then per write: kind, message id, number of
 * words, word, count, ...
 * Kinds: `new` a sent message, written only when the id has no entry yet (an edit made on another node may have
 * reached Redis first, and its words are the newer ones); `replace` an edit; `remove` a deleted or trimmed message.
 * A room whose stream is gone (expired) gets no new entries: its messages are gone too. Every key written, and on
 * a renewal of the stream every key of the index, expires with the stream (RENEWAL_GAP_MS).
 * Returns how many writes changed the index.
 */
export const APPLY_INDEX_WRITES_SCRIPT = `${SEARCH_INDEX_FUNCTIONS}
-- absolute times, so that a key never outlives the stream by the milliseconds a relative TTL would drift
local stream_expiry = redis.call('PEXPIRETIME', KEYS[2])
local written = {}
local applied, i = 0, 2
while i <= #ARGV do
  local kind, id, first = ARGV[i], ARGV[i + 1], i + 3
  local last = first + 2 * tonumber(ARGV[i + 2])
  if kind == 'remove' then
    applied = applied + search_unindex(KEYS[1], ARGV[1], id)
  elseif stream_expiry ~= -2 and (kind == 'replace' or redis.call('HEXISTS', KEYS[1], id) == 0) then
    search_index(KEYS[1], ARGV[1], id, ARGV, first, last)
    for j = first, last - 2, 2 do written[ARGV[j]] = true end
    applied = applied + 1
  end
  i = last
end
if stream_expiry > 0 and redis.call('EXISTS', KEYS[1]) == 1 then
  local docs_expiry = redis.call('PEXPIRETIME', KEYS[1])
  if docs_expiry < 0 or stream_expiry - docs_expiry > ${RENEWAL_GAP_MS} then
    local indexed = redis.call('HVALS', KEYS[1])
    for _, words in ipairs(indexed) do
      for word in string.gmatch(words, '%S+') do written[word] = true end
    end
    redis.call('PEXPIREAT', KEYS[1], stream_expiry)
  end
  for word in pairs(written) do redis.call('PEXPIREAT', ARGV[1] .. word, stream_expiry) end
end
return applied`;

/**
 * KEYS[1] documents; ARGV: prefix, limit, walk, words... Messages holding every word, as
 * {cut, {id, score, id, score ...}}, at most `limit` of them. One word: its postings ranked by count, read straight
 * from the sorted set (O(log n + limit)). Several: the smallest posting set is walked best first (its word's count,
 * then the newer id), `walk` members at most, each looked up in the other words' sets (O(1) each, stopping at the
 * first miss), until `limit` messages matched; a match scores the sum of each word's count weighted by its rarity
 * in the room (idf = ln(1 + messages / messages with the word)). So a search costs at most `walk` × (words - 1)
 * lookups whatever the sizes of the sets: an intersection of whole sets cost milliseconds per room for common
 * words. `cut` is 1 when the walk stopped at `walk` with fewer than `limit` matches and members left: matches may
 * have been missed. Scores are strings (a Lua number would reach the client truncated to an integer).
 */
export const SEARCH_ROOM_SCRIPT = `
local prefix, limit, walk = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
if #ARGV == 4 then
  return {0, redis.call('ZRANGE', prefix .. ARGV[4], '+inf', '-inf', 'BYSCORE', 'REV', 'LIMIT', 0, limit, 'WITHSCORES')}
end
local total = redis.call('HLEN', KEYS[1])
local keys, weights, smallest, smallest_size = {}, {}, 0, 0
for i = 4, #ARGV do
  local key = prefix .. ARGV[i]
  local containing = redis.call('ZCARD', key)
  if containing == 0 then return {0, {}} end
  keys[#keys + 1] = key
  weights[#weights + 1] = math.log(1 + total / containing)
  if smallest == 0 or containing < smallest_size then smallest, smallest_size = #keys, containing end
end
local found, matched, walked = {}, 0, 0
local chunk = math.min(walk, math.max(limit * 2, 32))
while matched < limit and walked < walk and walked < smallest_size do
  local last = math.min(walked + chunk, walk) - 1
  local members = redis.call('ZRANGE', keys[smallest], walked, last, 'REV', 'WITHSCORES')
  if #members == 0 then break end
  for j = 1, #members, 2 do
    walked = walked + 1
    local score = tonumber(members[j + 1]) * weights[smallest]
    for k = 1, #keys do
      if k ~= smallest then
        local count = redis.call('ZSCORE', keys[k], members[j])
        if not count then score = nil break end
        score = score + tonumber(count) * weights[k]
      end
    end
    if score then
      found[#found + 1] = members[j]
      found[#found + 1] = string.format('%.6f', score)
      matched = matched + 1
      if matched == limit then break end
    end
  end
end
local cut = (matched < limit and walked < smallest_size) and 1 or 0
return {cut, found}`;


/**
 * KEYS[1]: a user's search counter; ARGV[1]: searches allowed per second. A fixed one-second window opened by the
 * first search. Returns 0 when this search may run, else the milliseconds until the window closes.
 */
export const TAKE_SEARCH_TURN_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], 1000) end
if count <= tonumber(ARGV[1]) then return 0 end
return math.max(redis.call('PTTL', KEYS[1]), 1)`;