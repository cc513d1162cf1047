-- The redline's DOCX in parts (render/redline_docx.py): redline.lua itself, for a document
-- that is a run of parts, each after a raw `<!--rl-teil:KEY-->` block, which reaches
-- word/document.xml as the comment it is. What needs the whole document is left to Python,
-- told what it needs in the JSON file named by the metadata field redline-info (one entry
-- per part):
--   h  each heading, in order: {x = its own id} or {s = its text}; a heading without an id
--      of its own gets the placeholder id rlhidNz, its bookmark's name (Python numbers them
--      as pandoc's reader would, `heading_ids`);
--   i  the ids of the part's elements (placeholders among them);
--   a  the targets of its links to `#…`: they stay links; a target in no part sends the
--      document to be converted whole (the filter would have made such a link its text).
REDLINE_TEILE = true
return dofile(pandoc.path.join({ pandoc.path.directory(PANDOC_SCRIPT_FILE), 'redline.lua' }))
