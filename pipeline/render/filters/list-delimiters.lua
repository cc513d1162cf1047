-- Lists numbered „(1)“, „1)“ or „a)“ in HTML: pandoc's HTML writer keeps a list's number
-- style (<ol type="a">) but drops its parentheses, so a law's „(2)“ showed as „2.“. Each such
-- list goes into a div whose class names its numbers (two-parens-decimal,
-- one-paren-lower-alpha, …); templates/list-numbers.css writes them as the text has them,
-- and screen readers announce them so. For HTML only: typst and Word keep the parentheses
-- themselves.
--
-- Used as a filter of its own (the build's HTML) and loaded with dofile by redline.lua,
-- redline-teile.lua and site.lua. render/redline_html.py does the same for the parts of
-- the redline page it converts without a filter (`delimited_lists`): keep them alike.

local DELIMITER = { OneParen = 'one-paren-', TwoParens = 'two-parens-' }
local STYLE = { DefaultStyle = 'decimal', Decimal = 'decimal', LowerAlpha = 'lower-alpha',
                UpperAlpha = 'upper-alpha', LowerRoman = 'lower-roman',
                UpperRoman = 'upper-roman' }

return {
  OrderedList = function(ol)
    local delimiter, style = DELIMITER[ol.delimiter], STYLE[ol.style]
    if delimiter and style then
      return pandoc.Div({ ol }, pandoc.Attr('', { delimiter .. style }))
    end
  end,
}
