-- The redline's typst in parts (render/redline_typst.py): redline.lua itself, for a document
-- that is a run of parts, each after a raw `<!--rl-teil:KEY-->` block. What needs the whole
-- document is left to Python, told what it needs in the JSON file named by the metadata
-- field redline-info (one entry per part):
--   h  each heading, in order: {x = its own id} or {s = its text}; a heading without an id
--      of its own gets the placeholder id rlhidNz (Python numbers them as pandoc's reader
--      would, `heading_ids`);
--   i  the ids of the part's elements (placeholders among them);
--   l  each heading's level as written: the levels are made consecutive from the part's
--      first heading on, or from the level after its key's `@N` (the heading before the
--      part, where Python knows that it matters).
-- Links to `#…` stay, between the comments /*rl-a:TARGET*/ and /*/rl-a*/: Python unlinks
-- those whose target is in no part. Each part's typst starts after a line `// rl-teil: KEY`.
REDLINE_TEILE = true
return dofile(pandoc.path.join({ pandoc.path.directory(PANDOC_SCRIPT_FILE), 'redline.lua' }))
