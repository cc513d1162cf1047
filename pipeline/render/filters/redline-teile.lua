-- The redline page in parts (render/redline_html.py): the document is a run of parts, each
-- after a raw `<!--rl-teil:KEY-->` block, converted so that each part's HTML does not depend
-- on the others and can be cached. What needs the whole document is left to Python, told
-- what it needs in the JSON file named by the metadata field redline-info:
-- every heading gets a placeholder id (Python numbers them as pandoc's reader would), links
-- to `#…` are marked (Python unlinks those whose target does not exist), and the ids and
-- the headings of the table of contents are reported.
--
-- Element functions only, no walks over the whole tree: pandoc hands Lua just the elements
-- asked for, so a part without changes costs little more than pandoc without a filter.
-- Inline functions run before block functions, blocks bottom-up in document order.

local html = dofile(pandoc.path.join({ pandoc.path.directory(PANDOC_SCRIPT_FILE),
                                       'redline-html.lua' }))
local kind_of = html.kind_of
local info = dofile(pandoc.path.join({ pandoc.path.directory(PANDOC_SCRIPT_FILE),
                                       'teile-info.lua' }))

local infos = {}   -- one per part: k = key, h = headings, i = ids of blocks, t = toc
local cur = nil

-- The inline pass runs before the parts are known: an inline element's id is written
-- into the HTML beside it (`<!--rl-id:ID-->`), Python takes it from there.
local function id_mark(el)
  if el.identifier == '' then return {} end
  return { pandoc.RawInline('html', '<!--rl-id:' .. el.identifier:gsub('%-', '&#45;') .. '-->') }
end

local function note(el)
  if el.identifier ~= '' then table.insert(cur.i, el.identifier) end
end

local function Link(l)
  local out = id_mark(l)
  local target = l.target:match('^#(.+)$')
  if target then
    table.insert(out, pandoc.RawInline('html', '<!--rl-a:' .. target:gsub('%-', '&#45;') .. '-->'))
    table.insert(out, l)
    table.insert(out, pandoc.RawInline('html', '<!--/rl-a-->'))
    return out
  end
  if #out > 0 then table.insert(out, l); return out end
end

local function Image(img)
  local out = id_mark(img)
  table.insert(out, html.image_text(img))
  return out
end

local function Span(s)
  local out = id_mark(s)
  local kind = kind_of(s.attr)
  if kind then
    for _, x in ipairs(html.span(kind, s.content)) do table.insert(out, x) end
    return out
  end
  if #out > 0 then table.insert(out, s); return out end
end

local function RawBlock(b)
  local key = b.text:match('^<!%-%-rl%-teil:(%S+)%-%->$')
  if key then
    cur = { k = key, h = {}, i = {}, t = {}, d = false }
    table.insert(infos, cur)
  end
end

local function Header(h)
  table.insert(cur.h, h.identifier ~= '' and { x = h.identifier }
               or { s = pandoc.utils.stringify(h.content) })
  h.identifier = 'rlhid' .. #cur.h .. 'z'
  return h
end

-- a deleted passage's headings and spans lose their ids (a moved heading would otherwise
-- exist twice)
local strip = {
  Header = function(h) h.identifier = ''; return h end,
  Span = function(s) s.identifier = ''; return s end,
  RawInline = function(r) if r.text:match('^<!%-%-rl%-id:') then return {} end end,
}

local function Div(d)
  note(d)
  local kind = kind_of(d.attr)
  if not kind then return nil end
  local content = d.content
  if kind == 'del' then content = content:walk(strip) end
  return html.div(kind, d.classes:includes('moved'), d.identifier, d.attributes, content)
end

local function Pandoc(doc)
  local depth = tonumber(pandoc.utils.stringify(doc.meta['toc-depth'] or '2')) or 2
  local part = nil
  local k = 0
  for _, b in ipairs(doc.blocks) do
    if b.t == 'RawBlock' then
      local key = b.text:match('^<!%-%-rl%-teil:(%S+)%-%->$')
      if key then k = k + 1; part = infos[k] end
    elseif b.t == 'Header' and b.level <= depth then
      table.insert(part.t, b)
    elseif b.t == 'Div' then
      b:walk({ Header = function() part.d = true end })
    end
  end
  return info.write(doc, infos)
end

return {
  { Link = Link, Image = Image, Span = Span, RawBlock = RawBlock, Header = Header, Div = Div,
    Table = note, Figure = note, CodeBlock = note },
  { Pandoc = Pandoc },
  -- „(1)“ and „a)“ as the text numbers them (after the parts' top-level blocks are read)
  dofile(pandoc.path.join({ pandoc.path.directory(PANDOC_SCRIPT_FILE), 'list-delimiters.lua' })),
}
