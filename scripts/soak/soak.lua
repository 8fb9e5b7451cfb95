-- wrk script of scripts/soak.sh: one measuring window of one of two loads, configured by
-- environment variables:
--
--   SOAK_MODE    "probe": GET /healthy/probe with a valid token, only (the healthy route whose
--                p99 the soak bounds); "mixed": a fixed cycle of 12 requests, each connection
--                starting at its own place in it:
--                  6 x GET  /healthy/item          valid token            200
--                  1 x GET  /healthy/item          expired token          401
--                  1 x GET  /healthy/item          token without scope    403
--                  1 x GET  /healthy/item          no token               401
--                  1 x POST /bulk/item?digest=1    256 KiB body           200 (the backend digests it)
--                  1 x GET  /bulk/item?bytes=1MiB  1 MiB answer           200
--                  1 x GET  /slow/item             the slow backend       200 (after its delay)
--   SOAK_TOKENS  directory with valid.txt, expired.txt, noscope.txt (one token each)
--   SOAK_DELAY_MS  pause before each request of a connection (paces the load; wrk's latency
--                is measured from the request's first byte, so the pause is not in it)
--
-- done() prints one line after wrk's own output:
--   SOAKSTAT {"mode", "requests", "duration_us", "rps", "latency_us": {p50, p90, p99, p999, max,
--             mean}, "errors": {connect, read, write, timeout, status}, "statuses": {"200": n}}

local mode = os.getenv("SOAK_MODE") or "probe"
local dir = assert(os.getenv("SOAK_TOKENS"), "SOAK_TOKENS is not set")
local pause = tonumber(os.getenv("SOAK_DELAY_MS") or "0")

local function read(path)
   local file = assert(io.open(path, "rb"), "cannot open " .. path)
   local data = file:read("*a")
   file:close()
   return data
end

local function token(name)
   return (read(dir .. "/" .. name .. ".txt"):gsub("%s+$", ""))
end

local valid, expired, noscope = token("valid"), token("expired"), token("noscope")
local body = string.rep("0123456789abcdef", 16384)   -- 256 KiB

local function get(path, bearer)
   local headers = {}
   if bearer then headers["Authorization"] = "Bearer " .. bearer end
   return wrk.format("GET", path, headers)
end

-- Built in init(): wrk.format takes the Host header from wrk.headers, which wrk.init sets.
local cycle

function init(args)
   if mode == "probe" then
      cycle = { get("/healthy/probe", valid) }
      return
   end
   local item = get("/healthy/item", valid)
   cycle = {
      item, item, item,
      get("/healthy/item", expired),
      item,
      wrk.format("POST", "/bulk/item?digest=1",
         { ["Authorization"] = "Bearer " .. valid, ["Content-Type"] = "application/octet-stream" }, body),
      item,
      get("/healthy/item", noscope),
      get("/bulk/item?bytes=1048576", valid),
      item,
      get("/healthy/item", nil),
      get("/slow/item", valid),
   }
end

-- Per thread (each has its own Lua state).
statuses = {}
local position = 1

function request()
   local r = cycle[position]
   position = position % #cycle + 1
   return r
end

if pause > 0 then
   function delay()
      return pause
   end
end

function response(status, headers, body)
   statuses[status] = (statuses[status] or 0) + 1
end

local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

function done(summary, latency, requests)
   local merged = {}
   for _, thread in ipairs(threads) do
      local s = thread:get("statuses")
      for code, n in pairs(s) do merged[code] = (merged[code] or 0) + n end
   end
   local parts = {}
   for code, n in pairs(merged) do parts[#parts + 1] = string.format('"%d": %d', code, n) end
   local e = summary.errors
   local seconds = summary.duration / 1e6
   io.write(string.format(
      'SOAKSTAT {"mode": "%s", "requests": %d, "duration_us": %d, "rps": %.1f, ' ..
      '"latency_us": {"p50": %d, "p90": %d, "p99": %d, "p999": %d, "max": %d, "mean": %.1f}, ' ..
      '"errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d, "status": %d}, ' ..
      '"statuses": {%s}}\n',
      mode, summary.requests, summary.duration, summary.requests / math.max(seconds, 1e-9),
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9),
      latency.max, latency.mean,
      e.connect, e.read, e.write, e.timeout, e.status, table.concat(parts, ", ")))
end
