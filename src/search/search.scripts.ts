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
 * Index writes of one room, in the order they were made: what SearchIndexWriter gathered over its flush window.
 * KEYS[1] documents; ARGV: prefix, then per write: kind, message id, number of words, word, count, ...
 * Kinds: `new` a sent message, written only when the id has no entry yet (an edit made on another node may have
 * reached Redis first, and its words are the newer ones); `replace` an edit; `remove` a deleted or trimmed message.
 * Returns how many writes changed the index.
 */
export const APPLY_INDEX_WRITES_SCRIPT = `${SEARCH_INDEX_FUNCTIONS}
local applied, i = 0, 2
while i <= #ARGV do
  local kind, id, first = ARGV[i], ARGV[i + 1], i + 3
  local last = first + 2 * tonumber(ARGV[i + 2])
  if kind == 'remove' then
    applied = applied + search_unindex(KEYS[1], ARGV[1], id)
  elseif kind == 'replace' or redis.call('HEXISTS', KEYS[1], id) == 0 then
    search_index(KEYS[1], ARGV[1], id, ARGV, first, last)
    applied = applied + 1
  end
  i = last
end
return applied`;

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
