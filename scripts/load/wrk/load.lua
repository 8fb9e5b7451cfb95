-- wrk script of scripts/load/run.sh, configured by environment variables:
--
--   LOAD_SCENARIO  name printed in the result lines
--   LOAD_TOKENS    file with one bearer token per line. One line: a fixed Authorization header
--                  (wrk's static request, no Lua call per request). Several: request() sends
--                  them round-robin, each thread starting at its own offset.
--   LOAD_METHOD    GET (default) or POST
--   LOAD_BODY      file whose bytes are the body of every request (optional)
--
-- response() counts the answers of each thread by status; done() sums them over the threads
-- (setup(thread) keeps them, thread:get reads them) and prints two lines after wrk's own
-- output, each one JSON object:
--
--   LOADSTAT {"scenario", "requests", "duration_us", "bytes", "rps", "latency_us": {min, mean,
--             stdev, max, p50, p90, p99, p99.9}, "errors": {connect, read, write, timeout,
--             status}, "statuses": {"200": n, ...}, "threads", "connections"}
--   LOADCURVE {"scenario", "requests", "points": [[percentile, latency_us], ...]}
--
-- Latencies are wrk's (µs, from latency:percentile); "errors.status" is wrk's count of
-- answers with a status of 400 or more. LOAD_THREADS and LOAD_CONNECTIONS (wrk's -t and -c)
-- spread the threads' starting points and are echoed.

local function read_file(path)
   local file = assert(io.open(path, "rb"), "cannot open " .. path)
   local data = file:read("*a")
   file:close()
   return data
end

local tokens = {}
local tokens_path = os.getenv("LOAD_TOKENS")
assert(tokens_path, "LOAD_TOKENS is not set")
for line in io.lines(tokens_path) do
   line = line:gsub("%s+$", "")
   if line ~= "" then tokens[#tokens + 1] = line end
end
assert(#tokens > 0, "no token in LOAD_TOKENS")

wrk.method = os.getenv("LOAD_METHOD") or "GET"
local body_path = os.getenv("LOAD_BODY")
if body_path and body_path ~= "" then
   wrk.body = read_file(body_path)
   wrk.headers["Content-Type"] = "application/octet-stream"
end

-- Per thread (each has its own Lua state): answers by status.
statuses = {}

function response(status, headers, body)
   statuses[status] = (statuses[status] or 0) + 1
end

if #tokens == 1 then
   wrk.headers["Authorization"] = "Bearer " .. tokens[1]
else
   local prepared, position = {}, 1

   function init(args)
      for i, token in ipairs(tokens) do
         local headers = { ["Authorization"] = "Bearer " .. token }
         if wrk.body then headers["Content-Type"] = "application/octet-stream" end
         prepared[i] = wrk.format(nil, nil, headers)
      end
      -- thread_index (1, 2, ...) was set by setup(); spread the starting points.
      local count = tonumber(thread_count) or 1
      position = ((tonumber(thread_index) or 1) - 1) * math.floor(#prepared / count) % #prepared + 1
   end

   function request()
      local r = prepared[position]
      position = position % #prepared + 1
      return r
   end
end

-- Main state: the threads, to collect their counts in done().
local threads = {}

function setup(thread)
   threads[#threads + 1] = thread
   thread:set("thread_index", #threads)
   thread:set("thread_count", tonumber(os.getenv("LOAD_THREADS")) or 1)
end

local function json_string(s)
   return '"' .. tostring(s):gsub('[%c"\\]', function(c) return string.format("\\u%04x", c:byte()) end) .. '"'
end

local function int(n) return string.format("%.0f", n) end

-- The percentile points of the curve: 1/(1-p) evenly spaced on a log scale (10 per decade,
-- up to 99.999), plus the usual marks.
local function curve_points()
   local marks = { 0, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 99.999, 100 }
   for j = 0, 50 do marks[#marks + 1] = 100 * (1 - 10 ^ (-j / 10)) end
   table.sort(marks)
   local points, last = {}, nil
   for _, p in ipairs(marks) do
      local rounded = tonumber(string.format("%.4f", p))
      if rounded ~= last then points[#points + 1] = rounded; last = rounded end
   end
   return points
end

function done(summary, latency, requests)
   local total = {}
   for _, thread in ipairs(threads) do
      local counts = thread:get("statuses") or {}
      for status, n in pairs(counts) do
         total[status] = (total[status] or 0) + n
      end
   end
   local codes = {}
   for status in pairs(total) do codes[#codes + 1] = status end
   table.sort(codes)
   local status_items = {}
   for _, status in ipairs(codes) do
      status_items[#status_items + 1] = json_string(status) .. ":" .. int(total[status])
   end

   local scenario = json_string(os.getenv("LOAD_SCENARIO") or "load")
   local seconds = summary.duration / 1e6
   local e = summary.errors
   print(string.format(
      'LOADSTAT {"scenario":%s,"requests":%s,"duration_us":%s,"bytes":%s,"rps":%.2f,'
         .. '"latency_us":{"min":%s,"mean":%.2f,"stdev":%.2f,"max":%s,"p50":%s,"p90":%s,"p99":%s,"p99.9":%s},'
         .. '"errors":{"connect":%s,"read":%s,"write":%s,"timeout":%s,"status":%s},'
         .. '"statuses":{%s},"threads":%d,"connections":%s}',
      scenario, int(summary.requests), int(summary.duration), int(summary.bytes),
      summary.requests / seconds,
      int(latency.min), latency.mean, latency.stdev, int(latency.max),
      int(latency:percentile(50)), int(latency:percentile(90)), int(latency:percentile(99)),
      int(latency:percentile(99.9)),
      int(e.connect), int(e.read), int(e.write), int(e.timeout), int(e.status),
      table.concat(status_items, ","), #threads, os.getenv("LOAD_CONNECTIONS") or "null"))

   local points = {}
   for _, p in ipairs(curve_points()) do
      -- wrk's percentile(100) returns 0: the 100th percentile is the maximum.
      local value = p < 100 and latency:percentile(p) or latency.max
      points[#points + 1] = string.format("[%s,%s]", tostring(p), int(value))
   end
   print(string.format('LOADCURVE {"scenario":%s,"requests":%s,"points":[%s]}',
      scenario, int(summary.requests), table.concat(points, ",")))
end
