-- lip build: what pandoc's typst writer cannot do on its own.
--  * Div.massnahme  -> #massnahme[ ... ]   (box around every Maßnahme, styled in the template)
--  * Image          -> #bild("pfad", alt: "…")  (pandoc drops alt text; PDF/UA needs it)
-- Other formats pass through unchanged (HTML keeps the div class, DOCX ignores it).

local function tstr(s)
  return '"' .. s:gsub('\\', '\\\\'):gsub('"', '\\"'):gsub('\n', ' ') .. '"'
end

-- The fields of a Maßnahme (a definition list) become one real table: #felder([term], [def], …).
-- (A show rule on `terms` cannot do it: PDF/UA forbids a table inside a list.)
local function fields_table(dl)
  local cells = {}
  for _, item in ipairs(dl.content) do
    local term = pandoc.write(pandoc.Pandoc({ pandoc.Plain(item[1]) }), 'typst')
    local defs = pandoc.Blocks({})
    for _, d in ipairs(item[2]) do defs:extend(d) end
    local def = pandoc.write(pandoc.Pandoc(defs), 'typst')
    table.insert(cells, '[' .. term:gsub('%s+$', '') .. '], [' .. def:gsub('%s+$', '') .. ']')
  end
  return pandoc.RawBlock('typst', '#felder(\n  ' .. table.concat(cells, ',\n  ') .. ',\n)')
end

function Div(el)
  if not FORMAT:match('typst') or not el.classes:includes('massnahme') then return nil end
  local out = { pandoc.RawBlock('typst', '#massnahme[') }
  for _, b in ipairs(el.content) do
    if b.t == 'DefinitionList' then table.insert(out, fields_table(b)) else table.insert(out, b) end
  end
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

-- Empty anchor spans ([]{#z-1-2-1} before every Ziel): pandoc writes a bare label that typst
-- attaches to nothing; an empty box gives links a target.
function Span(el)
  if FORMAT:match('typst') and el.identifier ~= '' and #el.content == 0 then
    return pandoc.RawInline('typst', '#box[]<' .. el.identifier .. '>')
  end
end
