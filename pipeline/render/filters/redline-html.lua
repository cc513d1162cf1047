-- The HTML of changes (<ins>/<del> with screen-reader labels) and what a change is, for
-- redline.lua and redline-teile.lua: one place, so the whole-document and the part-wise page
-- agree.
local M = {}

local LABEL = { ins = 'Einfügung: ', del = 'Streichung: ' }

-- 'ins' or 'del' for a redline mark ([..]{.ins}, ::: del), nil for any other element
function M.kind_of(attr)
  local c = attr.classes
  if c:includes('ins') then return 'ins' end
  if c:includes('del') then return 'del' end
  return nil
end

function M.span(kind, content)
  local out = pandoc.Inlines {
    pandoc.RawInline('html', '<' .. kind .. '>'),
    pandoc.RawInline('html', '<span class="visually-hidden">' .. LABEL[kind] .. '</span>') }
  out:extend(content)
  out:insert(pandoc.RawInline('html', '</' .. kind .. '>'))
  return out
end

function M.div(kind, moved, id, attributes, content)
  local label
  if moved then
    local target = attributes['nach'] or attributes['von'] or ''
    local text = kind == 'del' and 'Verschoben nach ' or 'Verschoben von '
    local where = kind == 'del' and 'der neuen Stelle' or 'der bisherigen Stelle'
    label = '<p class="rl-label">' .. text .. '<a href="#' .. target .. '">' .. where
            .. '</a></p>'
  else
    label = '<span class="visually-hidden">' .. (kind == 'ins' and 'Eingefügter Abschnitt:'
            or 'Gestrichener Abschnitt:') .. '</span>'
  end
  local cls = 'rl-block rl-' .. kind .. (moved and ' rl-moved' or '')
  local idattr = id ~= '' and (' id="' .. id .. '"') or ''
  local out = { pandoc.RawBlock('html', '<' .. kind .. ' class="' .. cls .. '"' .. idattr
                                .. '>' .. label) }
  for _, b in ipairs(content) do table.insert(out, b) end
  table.insert(out, pandoc.RawBlock('html', '</' .. kind .. '>'))
  return out
end

-- A redline is about the text: an image shows as its description (its file is not part of
-- the compared versions).
function M.image_text(img)
  local alt = pandoc.utils.stringify(img.caption)
  if alt == '' then alt = img.src end
  return pandoc.Emph({ pandoc.Str('[Abbildung:'), pandoc.Space(), pandoc.Str(alt .. ']') })
end

return M
