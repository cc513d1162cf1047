-- HTML: put every image into the page as a data: URI, so the file stands alone.
-- pandoc's --embed-resources would do the same, but it re-reads the whole finished page to
-- find resources, which costs about a third of the conversion; the images are all we have.
-- A figure's image gets its alternative text from figure-alt.lua: alt="" where the caption
-- describes it (pandoc writes no alt at all for an empty one, and hid the caption from screen
-- readers when the alt repeated it).
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

return { figure_alt.filter('html'), { Image = Image } }
