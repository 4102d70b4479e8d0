-- A claimed attachment follows its room's renewals: its lifetime becomes the stream's when that is longer. One kept
-- without expiry (a legal hold, see PERSIST in AttachmentRepository.keepForHold) stays so.
--
-- KEYS[1] an attachment's metadata
-- KEYS[2] its room's message stream
-- Reply: {metadata PTTL after renewal (-2: gone, -1: kept without expiry), stream PTTL}
local ttl = redis.call('PTTL', KEYS[1])
local stream_ttl = redis.call('PTTL', KEYS[2])
if ttl > 0 and stream_ttl > ttl and redis.call('HGET', KEYS[1], 'state') == 'attached' then
  redis.call('PEXPIREAT', KEYS[1], redis.call('PEXPIRETIME', KEYS[2]))
  ttl = stream_ttl
end
return {ttl, stream_ttl}
