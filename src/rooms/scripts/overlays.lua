-- Library (after threads.lua): what every read answers beside entries: each one's latest edit, reaction counts and
-- thread summary. A read finds the threads of the entries it read by `thread_prefix`, which carries the room's hash
-- tag: the ids are known only once read, so the keys cannot come in KEYS, and they share the stream's slot.
local function overlays_of(entries, edits_key, reactions_key, thread_prefix)
  local edits, reactions, reply_counts, last_replies = {}, {}, {}, {}
  for i, entry in ipairs(entries) do
    edits[i] = redis.call('HGET', edits_key, entry[1])
    reactions[i] = redis.call('HGET', reactions_key, entry[1])
    reply_counts[i], last_replies[i] = thread_summary(thread_prefix .. entry[1])
  end
  return {entries, edits, reactions, reply_counts, last_replies}
end
