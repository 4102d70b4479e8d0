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
