-- "Nur Änderungen" (issue 15.7): keep the top-level blocks of a redline that hold an
-- insertion or deletion, each under the headings it stands beneath (chapter, section,
-- Maßnahme), and mark where unchanged text was left out. Runs before site.lua, which turns
-- the .ins/.del spans and divs into <ins>/<del>.

local function is_change(classes)
  return classes:includes('ins') or classes:includes('del') or
         classes:includes('insertion') or classes:includes('deletion')
end

local function changed(block)
  local found = false
  local probe = {
    Span = function(el) if is_change(el.classes) then found = true end end,
    Div = function(el) if is_change(el.classes) then found = true end end,
  }
  pandoc.Blocks{block}:walk(probe)
  return found
end

local function omitted()
  return pandoc.Div({pandoc.Para{pandoc.Str('[…'), pandoc.Space(), pandoc.Str('unveränderter'),
                                 pandoc.Space(), pandoc.Str('Text'), pandoc.Space(),
                                 pandoc.Str('ausgelassen'), pandoc.Space(), pandoc.Str('…]')}},
                    pandoc.Attr('', {'ausgelassen'}))
end

function Pandoc(doc)
  local out = pandoc.Blocks{}
  local heads = {}          -- level → heading not yet written
  local skipped = false     -- unchanged content since the last block written
  for _, b in ipairs(doc.blocks) do
    if b.t == 'Header' then
      heads[b.level] = b
      for l = b.level + 1, 9 do heads[l] = nil end
    end
    if changed(b) then
      if skipped and #out > 0 then out:insert(omitted()) end
      for l = 1, 9 do
        if heads[l] then out:insert(heads[l]); heads[l] = nil end
      end
      if b.t ~= 'Header' then out:insert(b) end
      skipped = false
    elseif b.t ~= 'Header' then
      skipped = true
    end
  end
  if skipped and #out > 0 then out:insert(omitted()) end
  return pandoc.Pandoc(out, doc.meta)
end
