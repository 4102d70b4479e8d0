/**
 * The index writes as Lua functions, so that the room store can paste them into its send script (the message
 * id is known only after XADD) and call them on the new id and on the ids it trims: no extra round trip.
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

-- terms: a flat list word, count, word, count ... starting at index first
local function search_index(docs_key, prefix, id, terms, first)
  search_unindex(docs_key, prefix, id)
  local indexed = {}
  for i = first, #terms - 1, 2 do
    redis.call('ZADD', prefix .. terms[i], terms[i + 1], id)
    indexed[#indexed + 1] = terms[i]
  end
  if #indexed > 0 then redis.call('HSET', docs_key, id, table.concat(indexed, ' ')) end
  return #indexed
end
`;

/** KEYS[1] documents; ARGV: prefix, message id, word, count, ... Replaces what was indexed for the id (edits). */
export const INDEX_MESSAGE_SCRIPT = `${SEARCH_INDEX_FUNCTIONS}
return search_index(KEYS[1], ARGV[1], ARGV[2], ARGV, 3)`;

/** KEYS[1] documents; ARGV: prefix, message ids... Returns how many were indexed. */
export const UNINDEX_MESSAGES_SCRIPT = `${SEARCH_INDEX_FUNCTIONS}
local removed = 0
for i = 2, #ARGV do removed = removed + search_unindex(KEYS[1], ARGV[1], ARGV[i]) end
return removed`;

/**
 * KEYS[1] documents, KEYS[2] a scratch key of the room; ARGV: prefix, limit, words... Messages holding every word,
 * best first, as id, score, id, score ... One word: its postings ranked by count, read straight from the sorted
 * set (O(log n + limit)). Several: the sum of each word's count weighted by its rarity in the room
 * (idf = ln(1 + messages / messages with the word)), intersected by Redis itself into the scratch key, which the
 * script deletes before it returns. Ties go to the greater id, the newer message: no sorting in Lua.
 */
export const SEARCH_ROOM_SCRIPT = `
local limit = tonumber(ARGV[2])
if #ARGV == 3 then
  return redis.call('ZRANGE', ARGV[1] .. ARGV[3], '+inf', '-inf', 'BYSCORE', 'REV', 'LIMIT', 0, limit, 'WITHSCORES')
end
local total = redis.call('HLEN', KEYS[1])
local command = {'ZINTERSTORE', KEYS[2], #ARGV - 2}
local weights = {'WEIGHTS'}
for i = 3, #ARGV do
  local key = ARGV[1] .. ARGV[i]
  local containing = redis.call('ZCARD', key)
  if containing == 0 then return {} end
  command[#command + 1] = key
  weights[#weights + 1] = string.format('%.6f', math.log(1 + total / containing))
end
for _, weight in ipairs(weights) do command[#command + 1] = weight end
redis.call(unpack(command))
local best = redis.call('ZRANGE', KEYS[2], '+inf', '-inf', 'BYSCORE', 'REV', 'LIMIT', 0, limit, 'WITHSCORES')
redis.call('DEL', KEYS[2])
return best`;
