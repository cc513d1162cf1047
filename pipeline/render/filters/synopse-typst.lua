-- The Synopse table for typst, written by hand (loaded by redline.lua with dofile).
-- pandoc's typst writer knows no sub-headers; a heading row ("1.1 Elementarbereich",
-- "Maßnahme 1.1.2 …") then may end a page with its text on the next. As a typst sub-header
-- (table.header(level: 2, repeat: false)) it moves to the next page with its first row. An
-- unchanged box (the Vorgaben) spans both columns.
local M = {}
local MARK = '// lip-zelle'

local function cells_of(tbl)
  local cells, blocks = {}, pandoc.Blocks({})
  local function add(kind, contents)
    blocks:insert(pandoc.RawBlock('typst', MARK))
    blocks:extend(contents)
    table.insert(cells, kind)
  end
  for _, row in ipairs(tbl.head.rows) do
    for _, c in ipairs(row.cells) do add('kopf', c.contents) end
  end
  for _, body in ipairs(tbl.bodies) do
    for _, row in ipairs(body.body) do
      local heading = row.attr.classes:includes('rl-heading')
      if heading and cells[#cells] == 'zwischen' then
        blocks:extend(row.cells[1].contents)  -- headings in a row: one sub-header, kept together
      else
        for _, c in ipairs(row.cells) do
          add(heading and 'zwischen' or (c.col_span > 1 and 'breit' or 'zelle'), c.contents)
        end
      end
    end
  end
  blocks:insert(pandoc.RawBlock('typst', MARK))
  return cells, blocks
end

function M.table(tbl)
  if not tbl.attr.classes:includes('synopse') then return nil end
  local kinds, blocks = cells_of(tbl)
  -- one write for all cells (a write per cell is slow), split at the marks
  local text = '\n' .. pandoc.write(pandoc.Pandoc(blocks), 'typst', { wrap_text = 'preserve' }) .. '\n'
  local pieces, start = {}, 1
  while true do
    local a, b = text:find('\n' .. MARK .. '\n', start, true)
    if not a then break end
    if start > 1 then table.insert(pieces, text:sub(start, a)) end
    start = b + 1
  end
  local out, head = { '#table(columns: (50%, 50%), align: (left, left),' }, {}
  for i, kind in ipairs(kinds) do
    local body = '[\n' .. (pieces[i] or '') .. '\n]'
    if kind == 'kopf' then
      table.insert(head, body)
      if #head == 2 then table.insert(out, '  table.header(' .. table.concat(head, ', ') .. '),') end
    elseif kind == 'zwischen' then
      table.insert(out, '  table.header(level: 2, repeat: false, table.cell(colspan: 2)' .. body .. '),')
    elseif kind == 'breit' then
      table.insert(out, '  table.cell(colspan: 2)' .. body .. ',')
    else
      table.insert(out, '  ' .. body .. ',')
    end
  end
  table.insert(out, ')')
  return pandoc.RawBlock('typst', table.concat(out, '\n'))
end

return M
