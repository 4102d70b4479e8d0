-- Library: the index writes of a room. `docs_key` is the documents hash (message id -> its words), `prefix` the
-- postings prefix (`<prefix><word>`: a sorted set, message id -> count). The postings keys are built here from that
-- prefix because the words of an indexed message are known only once read from the documents hash; the prefix
-- carries the room's hash tag, so they share the documents' slot.
local function search_unindex(docs_key, prefix, id)
  local indexed = redis.call('HGET', docs_key, id)
  if not indexed then return 0 end
  for word in string.gmatch(indexed, '%S+') do
    redis.call('ZREM', prefix .. word, id)
  end
  redis.call('HDEL', docs_key, id)
  return 1
end

-- terms: a flat list word, count, word, count ... from index first up to, not including, index last (default: to
-- the end). The documents entry is written even without words: its presence says "indexed".
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
