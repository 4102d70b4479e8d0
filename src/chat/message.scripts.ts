/**
 * Stores a message unless its author is muted, it replies to a message the room does not have, or it is a
 * retry of a message already stored, all in one round trip. Every key is in the room's slot.
 * KEYS: stream, dedup marker (the stream again when there is no clientMsgId), mute marker
 * ARGV: max length, dedup window in s ("0": no clientMsgId), replyTo id ("": none), then field/value pairs
 * Returns {1, id} stored, {0, id, fields?} a retry, {-1, pttl} muted, {-2} replyTo not found.
 */
export const APPEND_MESSAGE_SCRIPT = `
local mute_ttl = redis.call('PTTL', KEYS[3])
if mute_ttl ~= -2 then return {-1, mute_ttl} end
local dedup = ARGV[2] ~= '0'
if dedup then
  local existing = redis.call('GET', KEYS[2])
  if existing then
    local entries = redis.call('XRANGE', KEYS[1], existing, existing)
    if entries[1] then return {0, existing, entries[1][2]} end
    return {0, existing}
  end
end
if ARGV[3] ~= '' and not redis.call('XRANGE', KEYS[1], ARGV[3], ARGV[3])[1] then return {-2} end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[1], '*', unpack(ARGV, 4))
if dedup then redis.call('SET', KEYS[2], id, 'EX', ARGV[2]) end
return {1, id}
`;
