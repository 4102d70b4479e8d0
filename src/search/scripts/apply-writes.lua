-- Index writes of one room, in the order they were made: what SearchIndexWriter gathered over its flush window.
-- Kinds: `new` a sent message, written only when the id has no entry yet (an edit made on another node may have
-- reached Redis first, and its words are the newer ones); `replace` an edit; `remove` a deleted or trimmed message.
-- A room whose stream is gone (expired) gets no new entries: its messages are gone too.
-- The room's index lives no longer than its messages: every key written takes the stream's expiry (an absolute time,
-- so that a key never outlives the stream by the milliseconds a relative TTL would drift). The documents hash keeps
-- the expiry of the last full renewal, so a stream renewed since (the send script renews it at most about once a day,
-- by at least a day) differs from it by more than RENEWAL_GAP_MS, and the write then renews every posting of the
-- room, words of old messages included (O(words of the room), at most about once a day per active room).
--
-- KEYS[1] documents hash
-- KEYS[2] the room's message stream
-- ARGV[1] postings prefix: a removed message's words, and on a renewal every word of the room, are known only once
--         read from KEYS[1], so their postings are found by this prefix, which carries the room's hash tag
-- ARGV[2...] per write: kind, message id, number of words, then word, count, ... for each word
-- Reply: how many writes changed the index
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
  if docs_expiry < 0 or stream_expiry - docs_expiry > RENEWAL_GAP_MS then
    local indexed = redis.call('HVALS', KEYS[1])
    for _, words in ipairs(indexed) do
      for word in string.gmatch(words, '%S+') do written[word] = true end
    end
    redis.call('PEXPIREAT', KEYS[1], stream_expiry)
  end
  for word in pairs(written) do redis.call('PEXPIREAT', ARGV[1] .. word, stream_expiry) end
end
return applied
