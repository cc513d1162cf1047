-- The Synopse table for typst, written by hand (loaded by redline.lua with dofile).
-- pandoc's typst writer knows no sub-headers; a heading row ("1.1 Elementarbereich",
-- "Maßnahme 1.1.2 …") then may end a page with its text on the next. As a typst sub-header
-- (table.header(level: 2, repeat: false)) it moves to the next page with its first row. An
-- unchanged box (the Vorgaben) spans both columns.
-- In parts (Python, synopse_typst.py): a table with the attribute `lip-nur-zellen` comes
-- back as its cells written, unassembled; the whole table then comes with its cells empty
-- and their written text in its attribute `lip-zellen` (placeholders, each replaced by its
-- cell's typst afterwards), and is assembled from that.
local M = {}
local MARK = '// lip-zelle'
local ONLY_CELLS, CELLS = 'lip-nur-zellen', 'lip-zellen'
-- typst lays a table out whole: the BGB's Synopse as one table of 5,000 rows took 17 s and
-- 6.7 GB. At the first heading row after this many cells a new table begins, with the
-- same column heads (5 s and 1.6 GB).
M.CELLS_PER_TABLE = 240

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
  -- one write for all cells (a write per cell is slow), split at the mark lines (an empty
  -- cell leaves two marks on consecutive lines)
  local text = tbl.attr.attributes[CELLS]
    or pandoc.write(pandoc.Pandoc(blocks), 'typst', { wrap_text = 'preserve' })
  if tbl.attr.attributes[ONLY_CELLS] then return pandoc.RawBlock('typst', text) end
  local pieces, current = {}, nil
  for line in (text .. '\n'):gmatch('([^\n]*)\n') do
    if line == MARK then
      if current then table.insert(pieces, table.concat(current, '\n')) end
      current = {}
    elseif current then
      table.insert(current, line)
    end
  end
  local open = '#table(columns: (50%, 50%), align: (left, left),'
  local out, head, header, cells = { open }, {}, nil, 0
  for i, kind in ipairs(kinds) do
    local body = '[\n' .. (pieces[i] or '') .. '\n]'
    if kind == 'kopf' then
      table.insert(head, body)
      if #head == 2 then
        header = '  table.header(' .. table.concat(head, ', ') .. '),'
        table.insert(out, header)
      end
    elseif kind == 'zwischen' then
      if cells >= M.CELLS_PER_TABLE then
        table.insert(out, ')')
        table.insert(out, open)
        if header then table.insert(out, header) end
        cells = 0
      end
      table.insert(out, '  table.header(level: 2, repeat: false, table.cell(colspan: 2)' .. body .. '),')
    elseif kind == 'breit' then
      table.insert(out, '  table.cell(colspan: 2)' .. body .. ',')
      cells = cells + 2
    else
      table.insert(out, '  ' .. body .. ',')
      cells = cells + 1
    end
  end
  table.insert(out, ')')
  return pandoc.RawBlock('typst', table.concat(out, '\n'))
end

return M
