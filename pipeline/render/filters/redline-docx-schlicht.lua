-- The redline's DOCX in parts (render/redline_docx.py), for a run of parts without any
-- change, link to an anchor, picture or HTML of their own: redline.lua would change nothing
-- in them but their headings' ids, and its passes over the whole tree cost a third of the
-- run. This does that one thing, as redline-docx-teile.lua does, in one pass over the
-- blocks: each part after a raw `<!--rl-teil:KEY-->` block, which reaches
-- word/document.xml as the comment it is; a heading without an id of its own gets the
-- placeholder id rlhidNz (its bookmark's name). The JSON file named by the metadata field
-- redline-info gets one entry per part:
--   h  each heading, in order: {x = its own id} or {s = its text};
--   i, a  empty (other elements' ids are not looked for: a link to one of them from
--      another part sends the document to be converted whole).
local info = dofile(pandoc.path.join({ pandoc.path.directory(PANDOC_SCRIPT_FILE),
                                       'teile-info.lua' }))
local infos = {}
local heads = {}

return {{
  RawBlock = function(r)
    local key = r.format == 'html' and r.text:match('^<!%-%-rl%-teil:(%S+)%-%->$')
    if key then
      heads = {}
      table.insert(infos, { h = heads, i = {}, l = {}, a = {} })
      return pandoc.RawBlock('openxml', '<!--rl-teil:' .. key .. '-->')
    end
  end,
  Header = function(h) return info.head(heads, h) end,
  Pandoc = function(doc) return info.write(doc, infos) end,
}}
