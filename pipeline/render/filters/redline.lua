-- Redline markup ([..]{.ins}, [..]{.del}, ::: ins / ::: del / ::: {.moved .ins|.del})
-- to HTML (<ins>/<del> with screen-reader labels), typst (#ins[..]; etc., defined in
-- templates/redline.typ) and DOCX (real tracked changes: .insertion/.deletion spans).
-- Author and date come from the metadata fields redline-author and redline-date.

local author, date = "lip", "2020-01-01T00:00:00Z"

-- the HTML of changes, shared with redline-teile.lua
local html = dofile(pandoc.path.join({ pandoc.path.directory(PANDOC_SCRIPT_FILE),
                                       'redline-html.lua' }))
local kind_of = html.kind_of

local function typst_wrap(fname, content, inline)
  local R = inline and pandoc.RawInline or pandoc.RawBlock
  local out = { R('typst', '#' .. fname .. '[') }
  for _, x in ipairs(content) do table.insert(out, x) end
  table.insert(out, R('typst', inline and '];' or ']'))
  return out
end

local function track_attr(kind)
  return pandoc.Attr('', { kind == 'ins' and 'insertion' or 'deletion' },
                     { author = author, date = date })
end

-- the accepted (NEU) or rejected (ALT) text of a block list, without marks
local function resolve(blocks, accept)
  local drop = accept and 'del' or 'ins'
  return blocks:walk({
    Span = function(s)
      local k = kind_of(s.attr)
      if k == drop then return {} elseif k then return s.content end
    end,
    Div = function(d)
      local k = kind_of(d.attr)
      if k == drop then return {} elseif k then return d.content end
    end,
  })
end

local docx_track_blocks

-- Tracked runs for DOCX. A link goes around its tracked text (w:hyperlink > w:ins), never
-- inside it: w:ins > w:hyperlink is not valid OOXML and LibreOffice loses the link text.
local function track_inlines(content, kind)
  local attr = track_attr(kind)
  content = content:walk({ Note = function(n)
    return pandoc.Note(docx_track_blocks(n.content, kind)) end })
  local out, run = pandoc.Inlines {}, pandoc.Inlines {}
  local function flush()
    if #run > 0 then out:insert(pandoc.Span(run, attr)); run = pandoc.Inlines {} end
  end
  for _, x in ipairs(content) do
    if x.t == 'Link' then
      flush()
      x.content = track_inlines(x.content, kind)
      out:insert(x)
    else
      run:insert(x)
    end
  end
  flush()
  return out
end

docx_track_blocks = function(blocks, kind)
  local function wrap(content) return track_inlines(content, kind) end
  return blocks:walk({
    Para = function(p) return pandoc.Para(wrap(p.content)) end,
    Plain = function(p) return pandoc.Plain(wrap(p.content)) end,
    Header = function(h) return pandoc.Header(h.level, wrap(h.content), h.attr) end,
    DefinitionList = function(dl)
      for _, item in ipairs(dl.content) do item[1] = wrap(item[1]) end
      return dl
    end,
  })
end

local function Span(el)
  local kind = kind_of(el.attr)
  if not kind then return nil end
  if FORMAT:match('typst') then
    return typst_wrap(kind, el.content, true)
  elseif FORMAT:match('docx') then
    return track_inlines(el.content, kind)
  elseif FORMAT:match('html') then
    return html.span(kind, el.content)
  end
end

local function Div(el)
  local kind = kind_of(el.attr)
  if not kind then return nil end
  local moved = el.classes:includes('moved')
  local id = el.identifier
  if FORMAT:match('typst') then
    -- a chapter heading breaks the page, which typst forbids inside a block: such headings
    -- stay outside, marked inline
    local fname = moved and ('moved' .. kind) or (kind .. 'block')
    local out, run = {}, pandoc.Blocks {}
    local function flush()
      if #run > 0 then
        for _, b in ipairs(typst_wrap(fname, run, false)) do table.insert(out, b) end
        run = pandoc.Blocks {}
      end
    end
    for _, b in ipairs(el.content) do
      if b.t == 'Header' and b.level == 1 then
        flush()
        b.content = { pandoc.Span(b.content, pandoc.Attr('', { kind })) }
        table.insert(out, b)
      else
        run:insert(b)
      end
    end
    flush()
    if id ~= '' then table.insert(out, pandoc.RawBlock('typst', '<' .. id .. '>')) end
    return out
  elseif FORMAT:match('docx') then
    local content = el.content
    if moved then content = resolve(content, kind == 'ins') end
    return docx_track_blocks(content, kind)
  elseif FORMAT:match('html') then
    return html.div(kind, moved, id, el.attributes, el.content)
  end
end

local function process(blocks)
  -- Div first (top-down), so moved passages are resolved before their inner spans change
  blocks = blocks:walk({ traverse = 'topdown', Div = function(d)
    if FORMAT:match('typst') and (d.classes:includes('vorgaben') or d.classes:includes('hinweis')) then
      return typst_wrap(d.classes[1], d.content, false)
    end
    local r = Div(d)
    if r then return r end
  end })
  return blocks:walk({ Span = Span })
end

-- Deleted passages lose their ids (a moved heading would otherwise exist twice), and links
-- to places outside this document become plain text (typst refuses unknown labels).
local function fix_ids(blocks)
  local strip = { Header = function(h) h.identifier = ''; return h end,
                  Span = function(s) s.identifier = ''; return s end }
  blocks = blocks:walk({ Div = function(d)
    if d.classes:includes('del') then
      d.content = d.content:walk(strip)
      return d
    end
  end })
  local ids = {}
  local function note(el) if el.identifier and el.identifier ~= '' then ids[el.identifier] = true end end
  blocks:walk({ Header = note, Div = note, Span = note, Table = note, Figure = note,
                CodeBlock = note, Image = note, Link = note })
  return blocks:walk({ Link = function(l)
    local target = l.target:match('^#(.+)$')
    if target and not ids[target] then return l.content end
  end })
end

-- PDF/UA wants consecutive heading levels; the title is the level-1 heading before all.
local function clamp_headings(blocks)
  local prev = 1
  return blocks:walk({ Header = function(h)
    if h.level > prev + 1 then h.level = prev + 1 end
    prev = h.level
    return h
  end })
end

-- A redline is about the text: an image shows as its description (its file is not part of
-- the compared versions).
local function images_as_text(blocks)
  return blocks:walk({ Image = html.image_text })
end

local typst_text = dofile(PANDOC_SCRIPT_FILE:gsub('[^/]*$', '') .. 'build-typst-text.lua').filter()
local synopse_typst = dofile(PANDOC_SCRIPT_FILE:gsub('[^/]*$', '') .. 'synopse-typst.lua')

function Pandoc(doc)
  doc.blocks = images_as_text(fix_ids(doc.blocks))
  if FORMAT:match('typst') then doc.blocks = clamp_headings(doc.blocks):walk(typst_text) end
  local m = doc.meta
  if m['redline-author'] then author = pandoc.utils.stringify(m['redline-author']) end
  if m['redline-date'] then date = pandoc.utils.stringify(m['redline-date']) end
  local default_author = author
  local out = pandoc.Blocks {}
  for _, b in ipairs(doc.blocks) do
    if b.t == 'Div' and b.classes:includes('rl-kapitel') then
      -- one chapter: its Expert*innengruppe is the author of its tracked changes
      author = b.attributes['autor'] or default_author
      out:extend(process(b.content))
      author = default_author
    else
      out:extend(process(pandoc.Blocks { b }))
    end
  end
  if FORMAT:match('typst') then out = out:walk({ Table = synopse_typst.table }) end
  return pandoc.Pandoc(out, m)
end
