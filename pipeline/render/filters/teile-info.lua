-- What the filters for a run of parts tell Python (render/redline_html.py, redline_typst.py,
-- redline_docx.py), in one place: loaded with dofile by redline.lua in parts,
-- redline-docx-schlicht.lua and redline-teile.lua.
local M = {}

-- A heading's entry in its part's list `heads`: {x = its own id} or {s = its text}; one
-- without an id of its own gets the placeholder id rlhidNz (Python numbers them as pandoc's
-- reader would, `heading_ids`).
function M.head(heads, h)
  if h.identifier ~= '' then
    table.insert(heads, { x = h.identifier })
  else
    table.insert(heads, { s = pandoc.utils.stringify(h.content) })
    h.identifier = 'rlhid' .. #heads .. 'z'
  end
  return h
end

-- The parts' entries `infos` into the JSON file named by the metadata field redline-info;
-- the fields for the filter are dropped (a Word file would keep them as properties).
function M.write(doc, infos)
  local f = assert(io.open(pandoc.utils.stringify(doc.meta['redline-info']), 'w'))
  f:write(pandoc.json.encode(infos))
  f:close()
  doc.meta['redline-info'] = nil
  doc.meta['redline-schlicht'] = nil
  return doc
end

return M
