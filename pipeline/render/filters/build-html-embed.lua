-- HTML: put every image into the page as a data: URI, so the file stands alone.
-- pandoc's --embed-resources would do the same, but it re-reads the whole finished page to
-- find resources, which costs about a third of the conversion; the images are all we have.
function Image(img)
  if not img.src:match("^data:") then
    local mime, contents = pandoc.mediabag.fetch(img.src)
    img.src = pandoc.mediabag.make_data_uri(mime, contents)
  end
  return img
end
