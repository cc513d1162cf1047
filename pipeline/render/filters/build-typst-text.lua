-- Generated and written text must reach typst as text: "1. Fassung" at the start of a table
-- cell or list item is an enumeration in typst markup, and pandoc's typst writer escapes it
-- only at the start of a paragraph. Used by build-typst.lua and redline.lua (dofile).
local M = {}

local function escaped(s) return pandoc.RawInline('typst', '\\' .. s) end

-- German typography: no line break between a number and its unit or sign ("85 %", "500 Euro"),
-- after "Nr.", "S.", "Abs.", "§" and inside a date ("1. Januar").
local NBSP = '\u{00A0}'
local UNITS = { ['%'] = true, ['€'] = true, Euro = true, Prozent = true, Jahre = true, Jahren = true,
  Monate = true, Monaten = true, Stunden = true, ['Plätze'] = true, km = true, m = true }
local BEFORE_NUMBER = { ['Nr.'] = true, ['S.'] = true, ['Abs.'] = true, ['§'] = true, ['Art.'] = true }
local MONTHS = { Januar = true, Februar = true, ['März'] = true, April = true, Mai = true, Juni = true,
  Juli = true, August = true, September = true, Oktober = true, November = true, Dezember = true }

local function stripped(s) return (s:gsub('[%p]+$', '')) end

local function glue(inlines)
  local changed = false
  for i = 2, #inlines - 1 do
    local a, sp, b = inlines[i - 1], inlines[i], inlines[i + 1]
    if sp.t == 'Space' and a.t == 'Str' and b.t == 'Str' then
      local number = a.text:match('^%d[%d.,]*$')
      if (number and (UNITS[stripped(b.text)] or UNITS[b.text:sub(1, 1)] or MONTHS[stripped(b.text)]))
          or (BEFORE_NUMBER[a.text] and b.text:match('^%d')) then
        inlines[i] = pandoc.Str(NBSP)
        changed = true
      end
    end
  end
  return changed
end

-- "1." (any number) before a space, anywhere: typst reads it as a list marker at the start of
-- any content block ([…] of a cell, #ins[…], a list item). A marker-like first word too.
local function fix_inlines(inlines)
  local changed = glue(inlines)
  for i, el in ipairs(inlines) do
    if el.t == 'Str' then
      local nxt = inlines[i + 1]
      local before_space = nxt == nil or nxt.t == 'Space' or nxt.t == 'SoftBreak'
      if before_space and (el.text:match('^%d+%.$') or (i == 1 and el.text:match('^[-+/=]$'))) then
        inlines[i] = escaped(el.text)
        changed = true
      end
    end
  end
  return changed and inlines or nil
end

-- A list that opens a table cell: pandoc writes "[- item" on the cell's line, and typst ends
-- the item where a continuation line is indented less than that "-" ("], [- …" of the second
-- column). An empty raw line first puts the list on a line of its own.
local function cell_lists(tbl)
  local changed = false
  local function fix(cell)
    local first = cell.contents[1]
    if first and (first.t == 'BulletList' or first.t == 'OrderedList' or first.t == 'DefinitionList') then
      cell.contents:insert(1, pandoc.RawBlock('typst', '/* Liste */'))
      changed = true
    end
  end
  local function rows(list) for _, row in ipairs(list) do for _, c in ipairs(row.cells) do fix(c) end end end
  rows(tbl.head.rows)
  for _, body in ipairs(tbl.bodies) do rows(body.head); rows(body.body) end
  rows(tbl.foot.rows)
  return changed and tbl or nil
end

function M.filter()
  return {
    Table = cell_lists,
    Plain = function(b) if fix_inlines(b.content) then return b end end,
    Para = function(b) if fix_inlines(b.content) then return b end end,
    Span = function(s) if fix_inlines(s.content) then return s end end,
    Emph = function(s) if fix_inlines(s.content) then return s end end,
    Strong = function(s) if fix_inlines(s.content) then return s end end,
  }
end

return M
