-- One entry per aggregate: the first occurrence appends it with `details.count` 1; each further one deletes the
-- aggregate's entry and appends it again with the count raised, so the trail holds one entry per aggregate, at the
-- time of its latest occurrence, still newest first. The aggregate key outlives its minute by one more.
-- Deleting the old copy cuts its share's hash chain there; the splices hash records the cut (the removed copy's hash
-- -> the hash its link pointed back to, already resolved through earlier cuts), so that the verification bridges
-- exactly these removals. Only the entry after a copy points at its hash: once that entry is itself a removed copy,
-- the older splice is needed no more. Aggregates belong to the main share.
--
-- KEYS[1] the audit stream
-- KEYS[2] the aggregate (hash: count, id of its entry)
-- KEYS[3] the server API share (list of ids)
-- KEYS[4] the main share's chain head
-- KEYS[5] splices hash
-- ARGV[1] max entries per share
-- ARGV[2] the aggregate's TTL (s)
-- ARGV[3] actor
-- ARGV[4] action
-- ARGV[5] details (JSON object: `count` is set here)
-- ARGV[6] target (JSON)
-- Reply: the entry's id
local count = redis.call('HINCRBY', KEYS[2], 'count', 1)
local previous = redis.call('HGET', KEYS[2], 'id')
if previous then
  local copy = redis.call('XRANGE', KEYS[1], previous, previous)[1]
  if copy then
    local fields = {}
    for i = 1, #copy[2], 2 do fields[copy[2][i]] = copy[2][i + 1] end
    if fields.hash then
      local resolved = redis.call('HGET', KEYS[5], fields.prev) or fields.prev
      redis.call('HDEL', KEYS[5], fields.prev)
      redis.call('HSET', KEYS[5], fields.hash, resolved)
    end
    redis.call('XDEL', KEYS[1], previous)
  end
end
local details = cjson.decode(ARGV[5])
details.count = count
local maxlen = main_share_maxlen(KEYS[1], KEYS[3], tonumber(ARGV[1]))
local id = chained_xadd(KEYS[1], KEYS[4], {'MAXLEN', maxlen}, ARGV[3], ARGV[4], ARGV[6], cjson.encode(details))
redis.call('HSET', KEYS[2], 'id', id)
if count == 1 then redis.call('EXPIRE', KEYS[2], ARGV[2]) end
return id
