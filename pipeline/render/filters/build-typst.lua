-- lip build: what pandoc's typst writer cannot do on its own.
--  * Div.massnahme  -> #massnahme[ ... ]   (box around every Maßnahme, styled in the template)
--  * Div.querformat -> landscape pages (Anhang 2)
--  * Image          -> #bild("pfad", alt: "…")  (pandoc drops alt text; PDF/UA needs it;
--                      a figure's not a copy of its caption: figure-alt.lua)
--  * "1. Fassung" in a table cell -> text, not a list (build-typst-text.lua)
--  * Header       -> one level deeper (beneath „Anlage 1“ in the bookmarks)
-- Other formats pass through unchanged (HTML keeps the div class, DOCX ignores it).

local text_filter = dofile(PANDOC_SCRIPT_FILE:gsub('[^/]*$', '') .. 'build-typst-text.lua').filter()
local figure_alt = dofile(PANDOC_SCRIPT_FILE:gsub('[^/]*$', '') .. 'figure-alt.lua')

local function tstr(s)
  return '"' .. s:gsub('\\', '\\\\'):gsub('"', '\\"'):gsub('\n', ' ') .. '"'
end

-- The fields of a Maßnahme (a definition list) become one real table: #felder([term], [def], …).
-- (A show rule on `terms` cannot do it: PDF/UA forbids a table inside a list.)
-- Built from raw pieces around the original inlines: no nested pandoc.write (that was slow).
local function raw(s) return pandoc.RawInline('typst', s) end

local function fields_table(dl)
  local out = pandoc.Inlines({ raw('#felder(') })
  for _, item in ipairs(dl.content) do
    out:insert(raw('['))
    out:extend(item[1])
    out:insert(raw('], ['))
    for d, blocks in ipairs(item[2]) do
      if d > 1 then out:insert(pandoc.LineBreak()) end
      for b, block in ipairs(blocks) do
        if b > 1 then out:insert(pandoc.LineBreak()) end
        if block.t == 'Para' or block.t == 'Plain' then
          out:extend(block.content)
        else
          out:insert(raw(pandoc.write(pandoc.Pandoc({ block }), 'typst')))
        end
      end
    end
    out:insert(raw('],'))
  end
  out:insert(raw(')'))
  return pandoc.Plain(out)
end

function Div(el)
  if FORMAT:match('typst') and el.classes:includes('querformat') then
    -- a wide annex (Anhang 2) on pages of its own, turned to landscape: set rules, not a
    -- page(…)[…], in which the weak page break of its heading made an empty page before it
    local out = { pandoc.RawBlock('typst', '#set page(flipped: true)') }
    for _, b in ipairs(el.content) do table.insert(out, b) end
    table.insert(out, pandoc.RawBlock('typst', '#set page(flipped: false)'))
    return out
  end
  if not FORMAT:match('typst') or not el.classes:includes('massnahme') then return nil end
  local out = { pandoc.RawBlock('typst', '#massnahme[') }
  for _, b in ipairs(el.content) do
    if b.t == 'DefinitionList' then table.insert(out, fields_table(b)) else table.insert(out, b) end
  end
  table.insert(out, pandoc.RawBlock('typst', ']'))
  return out
end

-- A figure's image has its alternative text from figure-alt.lua (never a copy of the caption);
-- an image in the text its description.
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

-- A table for a landscape page (Anhang 2) brings its column widths for it: the Markdown's
-- are those of a portrait page, where Word and the HTML set it.
function Table(tbl)
  local widths = tbl.attributes['querformat-breiten']
  if not widths then return nil end
  tbl.attributes['querformat-breiten'] = nil
  if not FORMAT:match('typst') then return tbl end
  local list, sum = {}, 0
  for w in widths:gmatch('%d+') do table.insert(list, tonumber(w)); sum = sum + tonumber(w) end
  if #list ~= #tbl.colspecs then return tbl end
  for i, spec in ipairs(tbl.colspecs) do tbl.colspecs[i] = { spec[1], list[i] / sum } end
  return tbl
end

-- Every heading of the plan one level below „Anlage 1“ (a level-1 heading of the template):
-- the PDF's bookmarks show the chapters and annexes beneath it, and the tags nest H2 in H1.
function Header(h)
  if not FORMAT:match('typst') then return nil end
  h.level = h.level + 1
  return h
end

-- Empty anchor spans ([]{#z-1-2-1} before every Ziel): pandoc writes a bare label that typst
-- attaches to nothing; an empty box gives links a target.
function Span(el)
  if FORMAT:match('typst') and el.identifier ~= '' and #el.content == 0 then
    return pandoc.RawInline('typst', '#box[]<' .. el.identifier .. '>')
  end
end

-- Runs first: then the other functions see the escaped text.
return {
  text_filter,
  FORMAT:match('typst') and figure_alt.filter('typst') or {},
  { Div = Div, Image = Image, Span = Span, Table = Table, Header = Header },
}
