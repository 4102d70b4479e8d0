-- Library (after sha256.lua): appends one chained entry to the stream: `prev` from the share's head key, `hash` over
-- the fields as stored, then the head moves to it. `maxlen_args` is a table of XADD's trim arguments (empty for none).
local function chained_xadd(stream, head, maxlen_args, actor, action, target, details)
  local prev = redis.call('GET', head) or ''
  local hash = sha256_hex(table.concat({prev, actor, action, target, details}, '\n'))
  local args = {stream}
  for _, arg in ipairs(maxlen_args) do args[#args + 1] = arg end
  for _, arg in ipairs({'*', 'actor', actor, 'action', action, 'target', target, 'details', details, 'prev', prev, 'hash', hash}) do args[#args + 1] = arg end
  local id = redis.call('XADD', unpack(args))
  redis.call('SET', head, hash)
  return id
end
