-- Claims the attachments of one message, all of them or none: each must still exist and belong to the sender. A
-- claimed attachment expires no later than the room's messages: at the stream's expiry when the coming send leaves it
-- (it renews a stream only once its lifetime ran down by the slack), else a lifetime from now, which the send then
-- gives the stream from a later moment.
--
-- KEYS[1] the room's message stream
-- KEYS[2...] the metadata of each attachment (one room: one slot)
-- ARGV[1] the sender
-- ARGV[2] the room's idle lifetime (ms)
-- ARGV[3] the send script's renewal slack (ms)
-- Reply: the number of the first metadata key that failed (1-based), or 0 when all were claimed
for i = 2, #KEYS do
  if redis.call('HGET', KEYS[i], 'owner') ~= ARGV[1] then return i - 1 end
end
local lifetime = tonumber(ARGV[2])
-- a stream the send will renew gives the full lifetime; otherwise the stream's own expiry, as an absolute time
local renews = redis.call('PTTL', KEYS[1]) < lifetime - tonumber(ARGV[3])
local stream_expiry = redis.call('PEXPIRETIME', KEYS[1])
for i = 2, #KEYS do
  redis.call('HSET', KEYS[i], 'state', 'attached')
  if renews then redis.call('PEXPIRE', KEYS[i], lifetime) else redis.call('PEXPIREAT', KEYS[i], stream_expiry) end
end
return 0
