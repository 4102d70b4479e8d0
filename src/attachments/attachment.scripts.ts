/**
 * KEYS: the room's message stream, then the metadata of the attachments of one message (one room, one slot);
 * ARGV: the sender, the room's idle lifetime (ms), the send script's renewal slack (ms). Claims all of them for a
 * message, or none: each must still exist and belong to the sender. A claimed attachment expires no later than
 * the room's messages: at the stream's expiry when the coming send leaves it (it renews a stream only once its
 * lifetime ran down by the slack), else a lifetime from now, which the send then gives the stream from a later
 * moment. Returns the number of the first metadata key that failed (1-based), or 0.
 */
export const ATTACH_SCRIPT = `
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
return 0`;

/**
 * KEYS: an attachment's metadata, its room's message stream. A claimed attachment follows its room's renewals:
 * its lifetime becomes the stream's when that is longer. One kept without expiry (a legal hold, see
 * PERSIST in AttachmentRepository.keepForHold) stays so. Returns {metadata PTTL after renewal (-2: gone, -1: kept
 * without expiry), stream PTTL}.
 */
export const RENEW_CLAIMED_SCRIPT = `
local ttl = redis.call('PTTL', KEYS[1])
local stream_ttl = redis.call('PTTL', KEYS[2])
if ttl > 0 and stream_ttl > ttl and redis.call('HGET', KEYS[1], 'state') == 'attached' then
  redis.call('PEXPIREAT', KEYS[1], redis.call('PEXPIRETIME', KEYS[2]))
  ttl = stream_ttl
end
return {ttl, stream_ttl}`;


/**
 * KEYS[1]: the user's counter of the day; ARGV: bytes to add, the quota, the counter's TTL (seconds). Adds them
 * unless that would pass the quota: check and add are one step, so parallel creates on several nodes cannot
 * both slip under it. Returns 1 when counted, 0 when refused (nothing counted).
 */
export const CHARGE_QUOTA_SCRIPT = `
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if used + tonumber(ARGV[1]) > tonumber(ARGV[2]) then return 0 end
redis.call('INCRBY', KEYS[1], ARGV[1])
if used == 0 then redis.call('EXPIRE', KEYS[1], ARGV[3]) end
return 1`;