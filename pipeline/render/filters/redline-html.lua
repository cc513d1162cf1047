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

-- What a moved passage says of its other place, in two pieces (the second a link on the
-- page): „Verschoben nach “ / „3.2 Sprachförderung“ at the old place, „Verschoben von “ / the
-- heading it stood under at the new one. The engine names the heading (attribute `stelle`:
-- redline/engine.py place_of); the page (redline_html.py _marks), the PDF and the Word file
-- say the same.
function M.moved_label(kind, attributes)
  local place = attributes['stelle']
  if place == '' then place = nil end
  if kind == 'del' then
    return place and 'Verschoben nach ' or 'Verschoben an ', place or 'die neue Stelle'
  end
  return 'Verschoben von ', place or 'der bisherigen Stelle'
end

-- text in HTML, escaped as pandoc escapes an attribute's value
function M.escape(text)
  return (text:gsub('[&<>"]', { ['&'] = '&amp;', ['<'] = '&lt;', ['>'] = '&gt;',
                                ['"'] = '&quot;' }))
end

function M.div(kind, moved, id, attributes, content)
  local label
  if moved then
    local target = attributes['nach'] or attributes['von'] or ''
    local text, where = M.moved_label(kind, attributes)
    label = '<p class="rl-label">' .. text .. '<a href="#' .. target .. '">' .. M.escape(where)
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
