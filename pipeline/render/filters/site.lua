-- Filter for the review site (issue 6): make chapter text safe to publish as HTML and
-- turn redline spans/divs into <ins>/<del> that screen readers announce.
--
-- Pass 1 (sanitize): drop raw HTML/TeX that slipped through, keep only id and classes of
-- every element (pandoc passes onclick=, style= … straight through), and neutralise link
-- and image targets that are not http(s), mailto, #anchor or a relative path.
-- Pass 2 (redline): .ins / .del spans and divs become <ins>/<del> with a visually hidden
-- "Einfügung:" / "Streichung:" prefix, so the change is not shown by colour alone.
-- Pass 3: lists numbered „(1)“ or „a)“ keep their parentheses (list-delimiters.lua).

-- Nothing but id and classes: pandoc writes width/height as inline style=, which the
-- site's Content-Security-Policy forbids.
local KEEP_ATTRS = {}

-- A moved passage keeps the place the engine names (`stelle`): the redline pass below turns
-- it into its label, never into an attribute of the page.
local MOVED_ATTRS = { stelle = true }

local function clean_attr(el)
  if el.attr == nil then return nil end
  local kept = {}
  local changed = false
  local keep = el.t == 'Div' and el.classes:includes('moved') and MOVED_ATTRS or KEEP_ATTRS
  for k, v in pairs(el.attr.attributes) do
    if keep[k] then
      kept[k] = v
    else
      changed = true
    end
  end
  if changed then
    el.attr = pandoc.Attr(el.attr.identifier, el.attr.classes, kept)
    return el
  end
  return nil
end

-- Browsers ignore control characters and spaces inside a scheme ("java\tscript:").
local function squeeze(target)
  return (target:gsub('[%z\1-\32\127]', ''))
end

local function safe_link(target)
  local t = squeeze(target):lower()
  if t == '' or t:sub(1, 1) == '#' then return true end
  if t:match('^https?://') or t:match('^mailto:') then return true end
  if t:sub(1, 2) == '//' or t:sub(1, 1) == '\\' then return false end
  -- a relative path has no scheme before its first / ? #
  local head = t:match('^[^/?#]*')
  return not head:find(':', 1, true)
end

local function safe_image(src)
  local t = squeeze(src):lower()
  if t:sub(1, 2) == '//' or t:sub(1, 1) == '\\' then return false end
  local head = t:match('^[^/?#]*')
  return t ~= '' and not head:find(':', 1, true)
end

-- Column alignment and widths: pandoc writes them as style= (forbidden by the CSP, so the
-- browser drops them and reports it). A column aligned right or centre gets a class instead.
local ALIGN_CLASS = { AlignRight = 'rechts', AlignCenter = 'mitte' }

local function plain_table(el)
  clean_attr(el)
  local classes = {}
  for i, spec in ipairs(el.colspecs) do
    classes[i] = ALIGN_CLASS[spec[1]]
    el.colspecs[i] = {pandoc.AlignDefault, pandoc.ColWidthDefault}
  end
  local function rows(list)
    for _, row in ipairs(list) do
      local col = 1
      for _, cell in ipairs(row.cells) do
        local cls = ALIGN_CLASS[cell.alignment] or classes[col]
        cell.alignment = pandoc.AlignDefault
        if cls then cell.attr.classes:insert(cls) end
        col = col + cell.col_span
      end
    end
  end
  rows(el.head.rows)
  for _, body in ipairs(el.bodies) do rows(body.head); rows(body.body) end
  rows(el.foot.rows)
  return el
end

local sanitize = {
  RawBlock = function(_) return {} end,
  RawInline = function(el) return pandoc.Str(el.text) end,
  Link = function(el)
    clean_attr(el)
    if not safe_link(el.target) then
      return pandoc.Span(el.content, pandoc.Attr('', {'link-entfernt'}))
    end
    return el
  end,
  Image = function(el)
    clean_attr(el)
    if not safe_image(el.src) then
      return pandoc.Span(pandoc.Inlines{pandoc.Str('[Bild entfernt: ')} .. el.caption ..
                         pandoc.Inlines{pandoc.Str(']')}, pandoc.Attr('', {'link-entfernt'}))
    end
    return el
  end,
  Span = clean_attr, Div = clean_attr, Header = clean_attr, Code = clean_attr,
  CodeBlock = clean_attr, Table = plain_table, Figure = clean_attr,
}

local LABEL = { ins = 'Einfügung: ', del = 'Streichung: ' }
-- what a moved passage says of its other place, as on the redline's page and in its PDF
local html = dofile(pandoc.path.join({ pandoc.path.directory(PANDOC_SCRIPT_FILE),
                                       'redline-html.lua' }))

local function kind_of(classes)
  if classes:includes('ins') or classes:includes('insertion') then return 'ins' end
  if classes:includes('del') or classes:includes('deletion') then return 'del' end
  return nil
end

local redline = {
  Span = function(el)
    local kind = kind_of(el.classes)
    if not kind then return nil end
    local out = pandoc.Inlines{pandoc.RawInline('html', '<' .. kind .. '><span class="vh">'
                                 .. LABEL[kind] .. '</span>')}
    out:extend(el.content)
    out:insert(pandoc.RawInline('html', '</' .. kind .. '>'))
    return out
  end,
  Div = function(el)
    local kind = kind_of(el.classes)
    if not kind then return nil end
    local moved = el.classes:includes('moved')
    local label = '<span class="vh">' .. LABEL[kind] .. '</span>'
    if moved then  -- seen and heard: „Verschoben nach 3.2 Sprachförderung“
      local before, place = html.moved_label(kind, el.attributes)
      label = '<p class="verschoben">' .. html.escape(before .. place) .. '</p>'
    end
    local cls = moved and 'block moved' or 'block'
    local out = pandoc.Blocks{pandoc.RawBlock('html', '<' .. kind .. ' class="' .. cls ..
                                '">' .. label)}
    out:extend(el.content)
    out:insert(pandoc.RawBlock('html', '</' .. kind .. '>'))
    return out
  end,
}

return { sanitize, redline,
         dofile(pandoc.path.join({ pandoc.path.directory(PANDOC_SCRIPT_FILE),
                                   'list-delimiters.lua' })) }
