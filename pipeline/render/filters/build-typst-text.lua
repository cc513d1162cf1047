-- Generated and written text must reach typst as text. pandoc's typst writer escapes a list
-- marker ("1.", "-", "+") at the start of a line, but not at the start of a table cell or a
-- list item, where the text follows "[" or "- " on the same line: there "1. Fassung" became an
-- enumeration. The same holds for a Span the redline wraps into #ins[…]. Only tables, lists
-- and spans are visited (a filter on every paragraph costs pandoc a third more time).
-- Used by build-typst.lua and redline.lua (dofile).
local M = {}

local function escaped(s) return pandoc.RawInline('typst', '\\' .. s) end

local function marker(el, nxt)
  return el and el.t == 'Str' and (nxt == nil or nxt.t == 'Space' or nxt.t == 'SoftBreak')
    and (el.text:match('^%d+%.$') or el.text:match('^[-+/=]$'))
end

-- the first word of `inlines`, escaped if typst would read it as a marker
local function fix_inlines(inlines)
  if marker(inlines[1], inlines[2]) then
    inlines[1] = escaped(inlines[1].text)
    return true
  end
  return false
end

local function fix_blocks(blocks)
  local first = blocks[1]
  if first and (first.t == 'Plain' or first.t == 'Para') then
    local content = first.content
    if fix_inlines(content) then
      first.content = content
      return true
    end
  end
  return false
end

-- A list that opens a table cell: pandoc writes "[- item" on the cell's line, and typst ends
-- the item where a continuation line is indented less than that "-" ("], [- …" of the second
-- column). A comment line first puts the list on a line of its own.
local function fix_cell(cell)
  local contents = cell.contents
  local first = contents[1]
  if first and (first.t == 'BulletList' or first.t == 'OrderedList' or first.t == 'DefinitionList') then
    contents:insert(1, pandoc.RawBlock('typst', '/* Liste */'))
  elseif not fix_blocks(contents) then
    return false
  end
  cell.contents = contents
  return true
end

local function fix_table(tbl)
  local changed = false
  local function rows(list)
    for _, row in ipairs(list) do
      for _, c in ipairs(row.cells) do changed = fix_cell(c) or changed end
    end
  end
  rows(tbl.head.rows)
  for _, body in ipairs(tbl.bodies) do rows(body.head); rows(body.body) end
  rows(tbl.foot.rows)
  return changed and tbl or nil
end

local function fix_list(list)
  local changed = false
  for _, item in ipairs(list.content) do changed = fix_blocks(item) or changed end
  return changed and list or nil
end

function M.filter()
  return {
    Table = fix_table,
    BulletList = fix_list,
    OrderedList = fix_list,
    Span = function(s) if fix_inlines(s.content) then return s end end,
  }
end

return M
