-- Messages of a room holding every word, at most `limit` of them. One word: its postings ranked by count, read
-- straight from the sorted set (O(log n + limit)). Several: the smallest posting set is walked best first (its
-- word's count, then the newer id), `walk` members at most, each looked up in the other words' sets (O(1) each,
-- stopping at the first miss), until `limit` messages matched; a match scores the sum of each word's count weighted
-- by its rarity in the room (idf = ln(1 + messages / messages with the word)). So a search costs at most
-- `walk` x (words - 1) lookups whatever the sizes of the sets: an intersection of whole sets cost milliseconds per
-- room for common words. Scores are strings (a Lua number would reach the client truncated to an integer).
--
-- KEYS[1] documents hash
-- KEYS[2...] the postings of each word searched
-- ARGV[1] limit
-- ARGV[2] walk
-- Reply: {cut, {id, score, id, score ...}}: cut is 1 when the walk stopped at `walk` with fewer than `limit` matches
--        and members left (matches may have been missed)
local limit, walk = tonumber(ARGV[1]), tonumber(ARGV[2])
if #KEYS == 2 then
  return {0, redis.call('ZRANGE', KEYS[2], '+inf', '-inf', 'BYSCORE', 'REV', 'LIMIT', 0, limit, 'WITHSCORES')}
end
local total = redis.call('HLEN', KEYS[1])
local keys, weights, smallest, smallest_size = {}, {}, 0, 0
for i = 2, #KEYS do
  local key = KEYS[i]
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
return {cut, found}
