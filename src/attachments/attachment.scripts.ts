/**
 * KEYS: the metadata of the attachments of one message (one room, one slot); ARGV[1]: the sender. Claims all of
 * them for a message, or none: each must still exist and belong to the sender. A claimed attachment no longer
 * expires. Returns the number of the first key that failed (1-based), or 0.
 */
export const ATTACH_SCRIPT = `
for i, key in ipairs(KEYS) do
  if redis.call('HGET', key, 'owner') ~= ARGV[1] then return i end
end
for _, key in ipairs(KEYS) do
  redis.call('HSET', key, 'state', 'attached')
  redis.call('PERSIST', key)
end
return 0`;


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