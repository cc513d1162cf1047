-- HTML: put every image into the page as a data: URI, so the file stands alone.
-- pandoc's --embed-resources would do the same, but it re-reads the whole finished page to
-- find resources, which costs about a third of the conversion; the images are all we have.
-- A figure's image gets its alternative text from figure-alt.lua: alt="" where the caption
-- describes it (pandoc writes no alt at all for an empty one, and hid the caption from screen
-- readers when the alt repeated it).
-- Anhang 2 (Beratungsverlauf) reflows on a phone, each row a card (templates/lip.css): its
-- cells carry their column's name from the header (data-label), which the card shows beside
-- each value.
local figure_alt = dofile(PANDOC_SCRIPT_FILE:gsub('[^/]*$', '') .. 'figure-alt.lua')

local function attr_text(s)
  return (s:gsub('&', '&amp;'):gsub('"', '&quot;'):gsub('<', '&lt;'))
end

function Image(img)
  if not img.src:match("^data:") then
    local mime, contents = pandoc.mediabag.fetch(img.src)
    img.src = pandoc.mediabag.make_data_uri(mime, contents)
  end
  if img.attributes['lip-alt-leer'] then
    img.attributes['lip-alt-leer'] = nil
    local html = '<img src="' .. attr_text(img.src) .. '" alt=""'
    if img.identifier ~= '' then html = html .. ' id="' .. attr_text(img.identifier) .. '"' end
    if #img.classes > 0 then html = html .. ' class="' .. attr_text(table.concat(img.classes, ' ')) .. '"' end
    for k, v in pairs(img.attributes) do html = html .. ' ' .. k .. '="' .. attr_text(v) .. '"' end
    return pandoc.RawInline('html', html .. ' />')
  end
  return img
end

local LABELLED = 'tbl-beratungsverlauf'  -- assemble.CONSULTATION_TABLE

function Table(tbl)
  tbl.attributes['querformat-breiten'] = nil  -- the PDF's widths (build-typst.lua)
  if tbl.identifier ~= LABELLED or #tbl.head.rows == 0 then return tbl end
  local names = {}
  for i, cell in ipairs(tbl.head.rows[1].cells) do names[i] = pandoc.utils.stringify(cell.contents) end
  for _, body in ipairs(tbl.bodies) do
    for _, row in ipairs(body.body) do
      for i, cell in ipairs(row.cells) do cell.attributes['data-label'] = names[i] end
    end
  end
  return tbl
end

return { figure_alt.filter('html'), { Image = Image, Table = Table } }
