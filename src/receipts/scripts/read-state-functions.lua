-- Library (after rooms' fields.lua): the read state of the join ack and of the inbox: the marker, and how many
-- messages by others came after it (all of them without a marker), counting newest first and stopping at a cap.
local function read_state(last_read_key, stream_key, user_id, cap)
  local last = redis.call('HGET', last_read_key, user_id)
  local stop = last and ('(' .. last) or '-'
  local unread = 0
  for _, entry in ipairs(redis.call('XREVRANGE', stream_key, '+', stop, 'COUNT', cap)) do
    if author_of(entry[2]) ~= user_id then unread = unread + 1 end
  end
  return last, unread
end
