-- lip build, the Word file of the Beschlussdrucksache: a figure's image gets its alternative
-- text (Word's „Alternativtext“, wp:docPr descr) from figure-alt.lua, as in the PDF: its own
-- description where the Markdown gives one, otherwise a short word that the caption below
-- describes it, never the caption a second time (pandoc's default). Word has no figure that
-- ties a caption to its image, so an empty text would read as a missing one.
-- Not for `lip word-export`: its file comes back (`lip word-import`), the caption with it.
local figure_alt = dofile(PANDOC_SCRIPT_FILE:gsub('[^/]*$', '') .. 'figure-alt.lua')

return { figure_alt.filter('docx') }
