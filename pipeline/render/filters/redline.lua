-- Redline markup ([..]{.ins}, [..]{.del}, ::: ins / ::: del / ::: {.moved .ins|.del})
-- to HTML (<ins>/<del> with screen-reader labels), typst (#ins[..]; etc., defined in
-- templates/redline.typ) and DOCX (real tracked changes: .insertion/.deletion spans).
-- Author and date come from the metadata fields redline-author and redline-date.

local author, date = "lip", "2020-01-01T00:00:00Z"

-- set by redline-typst-teile.lua and redline-docx-teile.lua: typst or DOCX for a run of
-- parts, the whole document's work left to Python (see there)
local teile = REDLINE_TEILE == true and (FORMAT:match('typst') ~= nil
                                         or FORMAT:match('docx') ~= nil)
local teile_docx = teile and FORMAT:match('docx') ~= nil
local infos = {}  -- one per part, in order
local function part_key(r)
  return r.format == 'html' and r.text:match('^<!%-%-rl%-teil:(%S+)%-%->$')
end
-- the marker as the typst of parts has it (written by the levels pass, read by Python)
local TYPST_MARKER = '// rl-teil: '
-- the part a pass is in: each pass counts the parts' markers it meets (in document order);
-- its entry, and its number
local function counter(is_marker)
  local k = 0
  is_marker = is_marker or part_key
  return function(r) if is_marker(r) then k = k + 1 end end, function() return infos[k] end,
         function() return k end
end

-- Parts whose text holds nothing the top-down passes look for below a paragraph or a
-- heading: no `[`, `<` or fenced div, so no mark, link, picture, note or HTML (Python says
-- which, in the metadata field redline-schlicht: a letter per part, `s` for such a part).
-- There those passes skip the words, which pandoc would otherwise visit one by one to find
-- nothing (per top-down pass a tenth of a run of unchanged law text).
local schlicht = ''
local function words_skipped(part_number)
  return function()
    local k = part_number()
    if schlicht:sub(k, k) == 's' then return nil, false end
  end
end

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

-- A change that names its own author and date (`autor`, `datum`: a Word proposal's
-- changes, each by the reviewer who made it) is tracked as theirs, not the chapter's.
local function as_own(attributes, make)
  local who, when = attributes['autor'], attributes['datum']
  if not who and not when then return make() end
  local saved_author, saved_date = author, date
  author, date = who or author, when or date
  local out = make()
  author, date = saved_author, saved_date
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
local unlink  -- links to places outside the document become their text (defined below)

-- Inlines of words, spaces and breaks only, as most marks are: no note, link or mark inside
-- to look for (a walk from Lua costs as much for two words as for a paragraph: skipping it
-- took a fifth off the Word file's run for the TPG's changed sections).
local PLAIN_INLINE = { Str = true, Space = true, SoftBreak = true, LineBreak = true }
local function plain_inlines(inlines)
  for _, x in ipairs(inlines) do
    if not PLAIN_INLINE[x.t] then return false end
  end
  return true
end

-- Tracked runs for DOCX. A link goes around its tracked text (w:hyperlink > w:ins), never
-- inside it: w:ins > w:hyperlink is not valid OOXML and LibreOffice loses the link text.
local function track_inlines(content, kind)
  local attr = track_attr(kind)
  if plain_inlines(content) then  -- one run, as the loop below would make it
    return #content > 0 and pandoc.Inlines { pandoc.Span(content, attr) } or pandoc.Inlines {}
  end
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
    Link = unlink,
    Para = function(p) return pandoc.Para(wrap(p.content)) end,
    Plain = function(p) return pandoc.Plain(wrap(p.content)) end,
    Header = function(h) return pandoc.Header(h.level, wrap(h.content), h.attr) end,
    DefinitionList = function(dl)
      for _, item in ipairs(dl.content) do item[1] = wrap(item[1]) end
      return dl
    end,
  })
end

local Span

-- The marks in `inlines` made, and links without target there gone: what the marks pass
-- does, for inlines it will not visit (top-down, it visits what a function returns only
-- below its top level).
local function marks_inside(inlines)
  return inlines:walk({ Span = Span, Link = unlink })
end

Span = function(el)
  local kind = kind_of(el.attr)
  if not kind then return nil end
  if not plain_inlines(el.content) then
    el.content = marks_inside(el.content)  -- inside first: this mark's content is returned
  end
  if FORMAT:match('typst') then
    return typst_wrap(kind, el.content, true)
  elseif FORMAT:match('docx') then
    return as_own(el.attributes, function() return track_inlines(el.content, kind) end)
  elseif FORMAT:match('html') then
    return html.span(kind, el.content)
  end
end

-- A typst string literal of `text`
local function typst_string(text)
  return '"' .. text:gsub('[\\"]', '\\%0') .. '"'
end

-- The Word comment on a moved passage: where it went or came from (html.moved_label), on its
-- first paragraph or heading. A comment is no change: accepting or rejecting all changes
-- leaves the text as it would be without it. Its ids count from 900000, clear of pandoc's
-- own counter; put together from parts, Python numbers them again (redline_docx).
local comment_no = 900000
local function with_comment(blocks, kind, attributes)
  local before, place = html.moved_label(kind, attributes)
  comment_no = comment_no + 1
  local id = tostring(comment_no)
  local done = false
  local function anchor(b)
    if done then return nil end
    done = true
    local out = pandoc.Inlines { pandoc.Span(pandoc.Inlines(before .. place),
      pandoc.Attr(id, { 'comment-start' }, { { 'author', author }, { 'date', date } })) }
    out:extend(b.content)
    out:insert(pandoc.Span({}, pandoc.Attr(id, { 'comment-end' })))
    b.content = out
    return b, false
  end
  return blocks:walk({ traverse = 'topdown', Para = anchor, Plain = anchor, Header = anchor })
end

local Div
-- The marks in `blocks` (an inserted table in a moved Maßnahme) made: the marks pass, top
-- down, visits only what is inside the blocks a function returns, not the blocks themselves.
local function divs_inside(blocks)
  return blocks:walk({ Div = function(d) if kind_of(d.attr) then return Div(d) end end })
end

Div = function(el)
  local kind = kind_of(el.attr)
  if not kind then return nil end
  local moved = el.classes:includes('moved')
  local id = el.identifier
  if not FORMAT:match('docx') then el.content = divs_inside(el.content) end
  if FORMAT:match('typst') then
    -- a chapter heading breaks the page, which typst forbids inside a block: such headings
    -- stay outside, marked inline
    local fname = kind .. 'block'
    if moved then
      local before, place = html.moved_label(kind, el.attributes)
      fname = 'moved' .. kind .. '(' .. typst_string(before .. place) .. ')'
    end
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
    return as_own(el.attributes, function()
      if not moved then return docx_track_blocks(content, kind) end
      return with_comment(docx_track_blocks(resolve(content, kind == 'ins'), kind), kind,
                          el.attributes)
    end)
  elseif FORMAT:match('html') then
    return html.div(kind, moved, id, el.attributes, el.content)
  end
end

-- The passes below are element functions run by pandoc over its own tree: a pass costs
-- only the elements it asks for, where a walk from Lua over the whole document costs a
-- conversion of all of it into Lua and back (six of those nearly doubled pandoc's time).

local default_author = author

local function read_meta(m)
  if m['redline-author'] then author = pandoc.utils.stringify(m['redline-author']) end
  if m['redline-date'] then date = pandoc.utils.stringify(m['redline-date']) end
  default_author = author
end

-- Deleted passages lose their ids (a moved heading would otherwise exist twice) ...
local strip = { Header = function(h) h.identifier = ''; return h end,
                Span = function(s) s.identifier = ''; return s end }
local function strip_deleted(d)
  if d.classes:includes('del') then
    d.content = d.content:walk(strip)
    return d
  end
end

-- ... before the ids are collected, and links to places outside this document become plain
-- text (typst refuses unknown labels).
local ids = {}
local collect_marker, collect_part, collect_number = counter()
local function note(el)
  if el.identifier and el.identifier ~= '' then
    ids[el.identifier] = true
    if teile then table.insert(collect_part().i, el.identifier) end
  end
  if teile_docx and el.t == 'Link' then
    local target = el.target:match('^#(.+)$')
    if target then table.insert(collect_part().a, target) end
  end
end
unlink = function(l)
  local target = l.target:match('^#(.+)$')
  if target and not ids[target] then return l.content end
end
if teile_docx then  -- links stay (their targets noted below): Python converts the whole
  unlink = function(l) end  -- document if a target is in no part
elseif teile then  -- the target may be in another part: Python decides
  unlink = function(l)
    local target = l.target:match('^#(.+)$')
    if not target then return nil end
    local code = target:gsub('[^%w_.:%-]', function(c) return string.format('%%%02X', c:byte()) end)
    return { pandoc.RawInline('typst', '/*rl-a:' .. code .. '*/'), l,
             pandoc.RawInline('typst', '/*/rl-a*/') }
  end
end

-- PDF/UA wants consecutive heading levels; the title is the level-1 heading before all
-- (headings come to this function in document order).
local prev_level = 1
local function clamp_heading(h)
  if prev_level and h.level > prev_level + 1 then h.level = prev_level + 1 end
  prev_level = h.level
  return h
end
-- in parts: from each part's first heading on, the marker written as a typst line
local level_marker, level_part = counter()
local levels = {
  Header = function(h) table.insert(level_part().l, h.level); return clamp_heading(h) end,
  RawBlock = function(r)
    local key = part_key(r)
    if key then
      level_marker(r)
      prev_level = tonumber(key:match('@(%d+)$'))  -- the heading before, if Python knows it
      return pandoc.RawBlock('typst', TYPST_MARKER .. key)
    end
  end,
}

-- Divs top-down, so moved passages are resolved before their inner spans change
local function mark_div(d)
  if FORMAT:match('typst') and (d.classes:includes('vorgaben') or d.classes:includes('hinweis')) then
    return typst_wrap(d.classes[1], d.content, false)
  end
  return Div(d)
end

local typst_text = dofile(PANDOC_SCRIPT_FILE:gsub('[^/]*$', '') .. 'build-typst-text.lua').filter()
local synopse_typst = dofile(PANDOC_SCRIPT_FILE:gsub('[^/]*$', '') .. 'synopse-typst.lua')

-- 1. top-down, so that a deleted passage loses its ids before they are collected; the
-- metadata; images become their description; chapters are unwrapped (below); for typst
-- generated text
local collect = { traverse = 'topdown', Meta = read_meta,
  Header = note, Span = note, Table = note, Figure = note, CodeBlock = note, Link = note,
  Image = function(img) note(img); return html.image_text(img) end }
local function both(f, g) return function(el) local r = f(el); return g(r or el) or r end end
if FORMAT:match('typst') then
  for k, f in pairs(typst_text) do collect[k] = collect[k] and both(collect[k], f) or f end
end

-- A chapter's Expert*innengruppe is the author of its tracked changes: the chapter's box
-- gives way to two markers around its content, which the marks pass reads (a Div of its own
-- would hide the chapter's top-level changes from that pass).
local AUTHOR = 'lip-redline-autor'
-- The blocks a function returns are not visited again in a top-down pass, only their
-- children: the chapter's own blocks go through this pass here.
local function unwrap_chapter(d)
  local out = pandoc.Blocks { pandoc.RawBlock(AUTHOR, d.attributes['autor'] or '') }
  for _, b in ipairs(d.content) do
    local f = collect[b.t]
    local r = f and f(b)
    if r == nil then out:insert(b) elseif r.t then out:insert(r) else out:extend(r) end
  end
  out:insert(pandoc.RawBlock(AUTHOR, ''))  -- '': the document's author (metadata)
  return out
end

collect.Div = function(d)
  if d.classes:includes('rl-kapitel') then return unwrap_chapter(d) end
  local stripped = strip_deleted(d)
  note(d)
  return stripped
end

-- 2. the marks; links to places outside the document become their text (now that all ids
-- are known; those inside a mark as the mark is made). A link that goes is replaced by its
-- content, which this top-down pass will not visit: the marks in it are made here.
local function unlink_marked(l)
  local content = unlink(l)
  if content then return marks_inside(content) end
end
-- (for typst, the levels pass before this one has written the parts' markers as typst)
local marks_marker, _, marks_number = counter(function(r)
  return part_key(r) or (r.format == 'typst' and r.text:sub(1, #TYPST_MARKER) == TYPST_MARKER)
end)
local marks = { traverse = 'topdown', Div = mark_div, Span = Span,
  Link = teile and unlink or unlink_marked,  -- in parts: marked, pandoc goes on inside
  RawBlock = function(r)
    if r.format == AUTHOR then author = r.text ~= '' and r.text or default_author; return {} end
    marks_marker(r)
    local key = teile_docx and part_key(r)
    if key then return pandoc.RawBlock('openxml', '<!--rl-teil:' .. key .. '-->') end
  end }
if teile then
  local skip = words_skipped(marks_number)
  marks.Para, marks.Plain, marks.Header = skip, skip, skip
  skip = words_skipped(collect_number)
  collect.Para, collect.Plain = skip, skip
  collect.Header = function(h) note(h); return skip() end
end

local passes = { collect, marks }
if FORMAT:match('typst') then
  -- heading levels in a pass of their own: the chapter's blocks (unwrapped above) come to
  -- the first pass before the blocks inside them, not in document order
  table.insert(passes, 2, teile and levels or { Header = clamp_heading })
  table.insert(passes, { Table = synopse_typst.table })
end
if teile then
  local info = dofile(pandoc.path.join({ pandoc.path.directory(PANDOC_SCRIPT_FILE),
                                         'teile-info.lua' }))
  -- before all: each heading's text and own id as read (the collect pass changes them)
  local marker, part = counter()
  table.insert(passes, 1, {
    RawBlock = function(r)
      if part_key(r) then
        table.insert(infos, { h = {}, i = {}, l = {}, a = {} })
        marker(r)
      end
    end,
    Header = function(h) return info.head(part().h, h) end,
    -- after the blocks (typewise), before the passes that skip words
    Meta = function(m)
      if m['redline-schlicht'] then schlicht = pandoc.utils.stringify(m['redline-schlicht']) end
    end,
  })
  collect.RawBlock = collect_marker
  table.insert(passes, { Pandoc = function(doc) return info.write(doc, infos) end })
end
if FORMAT:match('html') then  -- „(1)“ and „a)“ as the text numbers them, not „1.“, „a.“
  table.insert(passes, dofile(pandoc.path.join({ pandoc.path.directory(PANDOC_SCRIPT_FILE),
                                                 'list-delimiters.lua' })))
end
return passes
