-- Library: a stream entry's fields by name, from its flat field list. AUTHOR_FIELD: the codec's author field.
local function field_of(fields, name)
  for i = 1, #fields, 2 do if fields[i] == name then return fields[i + 1] end end
end
local function author_of(fields)
  return field_of(fields, AUTHOR_FIELD)
end
