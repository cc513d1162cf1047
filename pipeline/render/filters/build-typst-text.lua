-- Generated and written text must reach typst as text: "1. Fassung" at the start of a table
-- cell or list item is an enumeration in typst markup, and pandoc's typst writer escapes it
-- only at the start of a paragraph. Used by build-typst.lua and redline.lua (dofile).
local M = {}

local function escaped(s) return pandoc.RawInline('typst', '\\' .. s) end

-- "1." (any number) before a space, anywhere: typst reads it as a list marker at the start of
-- any content block ([…] of a cell, #ins[…], a list item). A marker-like first word too.
local function fix_inlines(inlines)
  local changed = false
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

function M.filter()
  return {
    Plain = function(b) if fix_inlines(b.content) then return b end end,
    Para = function(b) if fix_inlines(b.content) then return b end end,
    Span = function(s) if fix_inlines(s.content) then return s end end,
    Emph = function(s) if fix_inlines(s.content) then return s end end,
    Strong = function(s) if fix_inlines(s.content) then return s end end,
  }
end

return M
