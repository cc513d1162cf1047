-- A pandoc that converts one text after another, for `pipeline.render.workers`.
--
-- Run as `pandoc lua pandoc-worker.lua`. Each request is a line of JSON (from, to, size and
-- the options `workers.request` allows) followed by `size` bytes of input. Each reply is
-- "ok BYTES" or "err BYTES" on a line of its own, followed by the output or the error
-- message. Standard input closed: the end.

local stdin, stdout = io.stdin, io.stdout

local function reply(kind, text)
  stdout:write(kind, ' ', #text, '\n', text)
  stdout:flush()
end

local function read_file(path)
  local file = assert(io.open(path, 'rb'))
  local text = file:read('a')
  file:close()
  return text
end

-- `-M KEY=VALUE` as the command line reads it (true/false become booleans)
local function metadata(args)
  local parsed = pandoc.cli.parse_options(args).metadata
  local version = {}
  for i = 1, #PANDOC_API_VERSION do version[i] = PANDOC_API_VERSION[i] end
  local json = pandoc.json.encode({ ['pandoc-api-version'] = version, meta = parsed,
                                    blocks = pandoc.List() })
  return pandoc.read(json, 'json').meta
end

-- `--lua-filter PATH`: as on the command line, each filter sees FORMAT (the writer's name)
-- and PANDOC_SCRIPT_FILE, and leaves no globals behind (there, each has a Lua of its own)
local function run_filter(doc, path, to)
  local saved = {}
  for key, value in pairs(_G) do saved[key] = value end
  FORMAT = to:match('^[%w_]+')
  PANDOC_SCRIPT_FILE = path
  local ok, result = pcall(pandoc.utils.run_lua_filter, doc, path, _G)
  for key in pairs(_G) do
    if saved[key] == nil then _G[key] = nil end
  end
  for key, value in pairs(saved) do _G[key] = value end
  if not ok then error(result, 0) end
  return result
end

local function convert(request, input)
  -- the reader's columns as on the command line (72; pandoc.read's own default is 80): a
  -- grid table's or a long pipe table's relative column widths depend on them
  local doc = pandoc.read(input, request.from, { columns = 72 })
  if request.metadata then
    for key, value in pairs(metadata(request.metadata)) do doc.meta[key] = value end
  end
  for _, path in ipairs(request.filters or {}) do
    doc = run_filter(doc, path, request.to)
  end
  if request.shift_heading_level_by then  -- after the filters, as on the command line
    local by = request.shift_heading_level_by
    doc = doc:walk { Header = function (h) h.level = h.level + by; return h end }
  end
  local options = {}
  if request.reference_doc then options.reference_doc = request.reference_doc end
  if request.wrap then options.wrap_text = request.wrap end
  if request.reference_location then options.reference_location = request.reference_location end
  if request.toc then options.table_of_contents = true end
  if request.toc_depth then options.toc_depth = request.toc_depth end
  if request.variables then options.variables = request.variables end
  if request.template then
    options.template = pandoc.template.compile(read_file(request.template), request.template)
  end
  if request.environment then  -- the Word file's timestamp (SOURCE_DATE_EPOCH)
    return pandoc.system.with_environment(request.environment, function ()
      return pandoc.write(doc, request.to, options)
    end)
  end
  local output = pandoc.write(doc, request.to, options)
  -- pandoc's command line ends a text with a newline
  if output:sub(-1) ~= '\n' then output = output .. '\n' end
  return output
end

if arg and arg[1] == 'warm' then
  -- started before it has work (while lip itself starts): convert a little now, which takes
  -- the first conversion's extra time off the first real one (20 kB: 90 → 70 ms)
  local sample = string.rep('Ein Absatz mit *Betonung*, [Verweis](#z) und `Code`.\n\n'
    .. '- ein Punkt\n- noch einer\n\n1. erstens\n2. zweitens\n\n', 12)
  pandoc.write(pandoc.read(pandoc.write(pandoc.read(sample, 'markdown'), 'json'), 'json'),
               'html5')
end

while true do
  local head = stdin:read('l')
  if not head then break end
  local ok, request = pcall(pandoc.json.decode, head, false)
  if not ok or type(request) ~= 'table' or type(request.size) ~= 'number' then
    reply('err', 'unlesbare Anfrage: ' .. head)
    break
  end
  -- read(0) would wait for one more byte to tell the end of input from an empty text
  local input = request.size == 0 and '' or stdin:read(request.size)
  if input == nil or #input ~= request.size then break end
  local converted, result = pcall(convert, request, input)
  reply(converted and 'ok' or 'err', converted and result or tostring(result))
end
