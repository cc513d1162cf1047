-- Redline markup ([..]{.ins}, [..]{.del}, ::: ins / ::: del / ::: {.moved .ins|.del})
-- to HTML (<ins>/<del> with screen-reader labels), typst (#ins[..]; etc., defined in
-- templates/redline.typ) and DOCX (real tracked changes: .insertion/.deletion spans).
-- Author and date come from the metadata fields redline-author and redline-date.

local author, date = "lip", "2020-01-01T00:00:00Z"

local function kind_of(attr)
  local c = attr.classes
  if c:includes('ins') then return 'ins' end
  if c:includes('del') then return 'del' end
  return nil
end

local LABEL = { ins = 'Einfügung: ', del = 'Streichung: ' }
local function html_label(kind)
  return pandoc.RawInline('html', '<span class="visually-hidden">' .. LABEL[kind] .. '</span>')
end

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
    local out = pandoc.Inlines { pandoc.RawInline('html', '<' .. kind .. '>'), html_label(kind) }
    out:extend(el.content)
    out:insert(pandoc.RawInline('html', '</' .. kind .. '>'))
    return out
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
    local label
    if moved then
      local target = el.attributes['nach'] or el.attributes['von'] or ''
      local text = kind == 'del' and 'Verschoben nach ' or 'Verschoben von '
      local where = kind == 'del' and 'der neuen Stelle' or 'der bisherigen Stelle'
      label = '<p class="rl-label">' .. text .. '<a href="#' .. target .. '">' .. where
              .. '</a></p>'
    else
      label = '<span class="visually-hidden">' .. (kind == 'ins' and 'Eingefügter Abschnitt:'
              or 'Gestrichener Abschnitt:') .. '</span>'
    end
    local cls = 'rl-block rl-' .. kind .. (moved and ' rl-moved' or '')
    local idattr = id ~= '' and (' id="' .. id .. '"') or ''
    local out = { pandoc.RawBlock('html', '<' .. kind .. ' class="' .. cls .. '"' .. idattr
                                  .. '>' .. label) }
    for _, b in ipairs(el.content) do table.insert(out, b) end
    table.insert(out, pandoc.RawBlock('html', '</' .. kind .. '>'))
    return out
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
  return blocks:walk({ Image = function(img)
    local alt = pandoc.utils.stringify(img.caption)
    if alt == '' then alt = img.src end
    return pandoc.Emph({ pandoc.Str('[Abbildung:'), pandoc.Space(), pandoc.Str(alt .. ']') })
  end })
end

-- Parts mode (meta redline-teile, HTML only; render/redline_html.py): the document is a run
-- of parts, each after a raw `<!--rl-teil:KEY-->` block, converted independently of the
-- others so that each part's HTML can be cached. What depends on the whole document is left
-- to Python, which is told what it needs in one `<!--rl-info:JSON-->` block at the end:
-- every heading gets a placeholder id (Python numbers them as pandoc would), links to `#…`
-- are marked (Python unlinks those whose target does not exist), and the ids and the
-- headings of the table of contents are reported.
local function json_comment(value)
  -- no "--" inside an HTML comment: escape every '-' (they only occur inside strings)
  return pandoc.RawBlock('html', '<!--rl-info:' .. pandoc.json.encode(value):gsub('%-', '\\u002d') .. '-->')
end

local function convert_part(blocks, part, toc_depth)
  local heads, ids, toc = {}, {}, {}
  blocks = blocks:walk({ Header = function(h)
    table.insert(heads, h.identifier ~= '' and { x = h.identifier }
                 or { s = pandoc.utils.stringify(h.content) })
    h.identifier = 'rlhid' .. #heads .. 'z'
    return h
  end })
  local strip = { Header = function(h) h.identifier = ''; return h end,
                  Span = function(s) s.identifier = ''; return s end }
  blocks = blocks:walk({ Div = function(d)
    if d.classes:includes('del') then
      d.content = d.content:walk(strip)
      return d
    end
  end })
  local function note(el)
    if el.identifier and el.identifier ~= '' then table.insert(ids, el.identifier) end
  end
  blocks:walk({ Div = note, Span = note, Table = note, Figure = note, CodeBlock = note,
                Image = note, Link = note })
  blocks = blocks:walk({ Link = function(l)
    local target = l.target:match('^#(.+)$')
    if target then
      return { pandoc.RawInline('html', '<!--rl-a:' .. target:gsub('%-', '&#45;') .. '-->'), l,
               pandoc.RawInline('html', '<!--/rl-a-->') }
    end
  end })
  blocks = process(images_as_text(blocks))
  -- the table of contents lists top-level headings only; one inside a remaining div
  -- (vorgaben, hinweis) pandoc may list too: then Python converts the whole instead
  local nested = false
  for _, b in ipairs(blocks) do
    if b.t == 'Header' and b.level <= toc_depth then
      table.insert(toc, b)
    elseif b.t == 'Div' then
      b:walk({ Header = function() nested = true end })
    end
  end
  return blocks, { k = part, h = heads, i = ids, t = toc, d = nested }
end

local function convert_parts(doc)
  local toc_depth = tonumber(pandoc.utils.stringify(doc.meta['toc-depth'] or '2')) or 2
  local out, infos = pandoc.Blocks {}, {}
  local part, run = nil, pandoc.Blocks {}
  local function flush()
    if part then
      local blocks, info = convert_part(run, part, toc_depth)
      out:extend(blocks)
      table.insert(infos, info)
    end
    run = pandoc.Blocks {}
  end
  for _, b in ipairs(doc.blocks) do
    local key = b.t == 'RawBlock' and b.text:match('^<!%-%-rl%-teil:(%S+)%-%->$')
    if key then
      flush()
      part = key
      out:insert(b)
    else
      run:insert(b)
    end
  end
  flush()
  out:insert(json_comment(infos))
  return pandoc.Pandoc(out, doc.meta)
end

function Pandoc(doc)
  if doc.meta['redline-teile'] then return convert_parts(doc) end
  doc.blocks = images_as_text(fix_ids(doc.blocks))
  if FORMAT:match('typst') then doc.blocks = clamp_headings(doc.blocks) end
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
  return pandoc.Pandoc(out, m)
end
