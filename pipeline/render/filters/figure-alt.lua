-- The alternative text of a figure's image, one rule for the PDF, the HTML and the Word file
-- (loaded by build-typst.lua, build-html-embed.lua and build-docx.lua). A screen reader reads a figure's caption anyway:
-- an alternative text that repeats it is read twice (pandoc's default, the image's
-- description is its caption). So:
--  * the image's own description where the Markdown gives one ({alt="…"} or a title "…")
--    and it is not the caption: in both formats;
--  * otherwise the HTML has alt="" beside its <figcaption> (WAI: the caption describes it),
--    and the PDF, whose figures need an alternative text (PDF/UA-1), and the Word file (pandoc
--    writes `alt` as wp:docPr descr; Word has no figure tying the caption to the image) a
--    short word that the caption describes it. (An SVG's own <title> would be better, but the typst parts are
--    cached by their Markdown, which does not hold it.)

local M = {}

M.CAPTIONED = 'Abbildung, beschrieben in der Bildunterschrift'

-- The description the Markdown gives the image, if it is not the caption; else nil. (pandoc
-- reads {alt="…"} into the image's own text, which is otherwise the caption's.)
function M.description(img, caption)
  local cap = pandoc.utils.stringify(caption)
  local own = pandoc.utils.stringify(img.caption)
  for _, d in ipairs({ img.attributes.alt or '', own, img.title or '' }) do
    if d ~= '' and d ~= cap then return d end
  end
  return nil
end

-- The figures of a document with their image's alternative text set for `format`
-- ('typst', 'docx' or 'html'): `img.attributes.alt` is the text; in HTML an image whose caption says it
-- all gets the attribute 'lip-alt-leer' (pandoc drops an empty alt: build-html-embed.lua
-- writes the <img> itself).
function M.filter(format)
  return {
    Figure = function(fig)
      return fig:walk({
        Image = function(img)
          local d = M.description(img, fig.caption.long)
          if d then
            img.attributes.alt = d
          elseif format == 'html' then
            img.attributes.alt = nil
            img.attributes['lip-alt-leer'] = '1'
          else
            img.attributes.alt = M.CAPTIONED
          end
          -- pandoc's Word writer takes the image's own text, not its alt attribute
          if format == 'docx' then img.caption = pandoc.Inlines(img.attributes.alt) end
          return img
        end,
      })
    end,
  }
end

return M
