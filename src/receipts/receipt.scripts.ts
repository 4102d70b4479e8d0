/**
 * Moves a user's read marker forward to a message the room holds; an older or equal id leaves it.
 * KEYS: last-read hash, message stream
 * ARGV: user id, message id
 * Returns 1 moved, 0 already at or past it, -1 no such message.
 */
export const MARK_READ_SCRIPT = `
if not redis.call('XRANGE', KEYS[2], ARGV[2], ARGV[2])[1] then return -1 end
local current = redis.call('HGET', KEYS[1], ARGV[1])
if current then
  local cms, cseq = string.match(current, '^(%d+)-(%d+)$')
  local ms, seq = string.match(ARGV[2], '^(%d+)-(%d+)$')
  cms, cseq, ms, seq = tonumber(cms), tonumber(cseq), tonumber(ms), tonumber(seq)
  if ms < cms or (ms == cms and seq <= cseq) then return 0 end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
`;

/**
 * A user's read marker and how many messages by others came after it (all of them without a marker),
 * counting newest first and stopping at a cap.
 * KEYS: last-read hash, message stream
 * ARGV: user id, cap, the stream field that holds a message's author
 * Returns {last read id or false, unread count}.
 */
export const READ_STATE_SCRIPT = `
local last = redis.call('HGET', KEYS[1], ARGV[1])
local stop = last and ('(' .. last) or '-'
local unread = 0
for _, entry in ipairs(redis.call('XREVRANGE', KEYS[2], '+', stop, 'COUNT', ARGV[2])) do
  local fields = entry[2]
  local author
  for i = 1, #fields, 2 do
    if fields[i] == ARGV[3] then author = fields[i + 1] break end
  end
  if author ~= ARGV[1] then unread = unread + 1 end
end
return {last or false, unread}
`;
