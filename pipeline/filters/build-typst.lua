-- lip build: what pandoc's typst writer cannot do on its own.
--  * Div.massnahme  -> #massnahme[ ... ]   (box around every Maßnahme, styled in the template)
--  * Image          -> #bild("pfad", alt: "…")  (pandoc drops alt text; PDF/UA needs it)
-- Other formats pass through unchanged (HTML keeps the div class, DOCX ignores it).

local function tstr(s)
  return '"' .. s:gsub('\\', '\\\\'):gsub('"', '\\"'):gsub('\n', ' ') .. '"'
end

function Div(el)
  if not FORMAT:match('typst') or not el.classes:includes('massnahme') then return nil end
  local out = { pandoc.RawBlock('typst', '#massnahme[') }
  for _, b in ipairs(el.content) do table.insert(out, b) end
  table.insert(out, pandoc.RawBlock('typst', ']'))
  return out
end

function Image(img)
  if not FORMAT:match('typst') then return nil end
  local alt = pandoc.utils.stringify(img.caption)
  if img.attributes.alt and img.attributes.alt ~= '' then alt = img.attributes.alt end
  if alt == '' then alt = img.title end
  local args = { tstr(img.src), 'alt: ' .. tstr(alt) }
  for _, k in ipairs({ 'width', 'height' }) do
    local v = img.attributes[k]
    if v then
      if v:match('^[%d.]+$') then v = v .. 'pt' end
      table.insert(args, k .. ': ' .. v)
    end
  end
  return pandoc.RawInline('typst', '#bild(' .. table.concat(args, ', ') .. ');')
end
