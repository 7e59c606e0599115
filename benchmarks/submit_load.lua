-- wrk script for benchmarks/submit_load.py: POST /api/v1/responses, one body per line of a
-- prepared file (each line a distinct token, a share of them twice for the replay path).
--
--   wrk -t T -c C -d D -s submit_load.lua URL -- BODIES T RECEIPTS_PREFIX [PAUSE_MS]
--
-- PAUSE_MS (default 0) paces each connection: a pause before each request (the soak test's
-- steady load; the load test leaves it at 0 to find the maximum).
--
-- Thread k sends lines k, k+T, k+2T, ... once each and stops when all are answered (or when
-- wrk's -d time limit ends the run). Every response's status is counted and written with its
-- receipt to RECEIPTS_PREFIX.k ("status receipt" per line), so the Python side can check that
-- each acknowledged receipt is in the database (none lost).

local threads = {}
local next_id = 0

-- wrk's main thread sleeps for the whole -d time even when every thread has stopped, so its
-- duration is wrong for a run that ends early; each thread notes its first and last moment.
local function now_seconds()
  local clock = io.popen("date +%s.%N")
  local value = tonumber(clock:read("*l"))
  clock:close()
  return value
end

function setup(thread)
  thread:set("id", next_id)
  table.insert(threads, thread)
  next_id = next_id + 1
end

function init(args)
  local path, nthreads, prefix = args[1], tonumber(args[2]), args[3]
  pause = tonumber(args[4] or "0")
  local headers = { ["Content-Type"] = "application/json" }
  requests = {}
  local line_no = 0
  for line in io.lines(path) do
    if line_no % nthreads == id then
      requests[#requests + 1] = wrk.format("POST", "/api/v1/responses", headers, line)
    end
    line_no = line_no + 1
  end
  sent = 0
  -- wrk calls request() once on thread 0 right after init, only to check the request's
  -- syntax; that call must not use up a body.
  verifying = (id == 0)
  answered = 0
  statuses = {}
  receipts = io.open(prefix .. "." .. id, "w")
end

function delay()
  -- Out of bodies: park this connection until the thread's last answers arrive (then the
  -- thread stops), so no request is sent twice and nothing is left in flight.
  if sent >= #requests then
    return 3600000
  end
  return pause
end

function request()
  if verifying then
    verifying = false
    return requests[1] or wrk.format("GET", "/health")
  end
  if sent == 0 then
    started = now_seconds()
  end
  sent = sent + 1
  return requests[sent]
end

function response(status, headers, body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
  local receipt = string.match(body, '"receipt":%s*"(%x+)"') or "-"
  receipts:write(status, " ", receipt, "\n")
  answered = answered + 1
  if answered >= #requests then
    finished = now_seconds()
    receipts:write("END\n")  -- tells the Python side this thread is done
    receipts:flush()
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local counts = {}
  local first, last, all_finished = nil, nil, true
  for _, thread in ipairs(threads) do
    local got = thread:get("statuses")
    for status, n in pairs(got) do
      counts[status] = (counts[status] or 0) + n
    end
    local started, finished = thread:get("started"), thread:get("finished")
    if finished == nil then
      all_finished = false
    else
      last = math.max(last or finished, finished)
    end
    if started ~= nil then
      first = math.min(first or started, started)
    end
  end
  local seconds = summary.duration / 1e6
  if all_finished and first ~= nil then
    seconds = last - first
  end
  local parts = {}
  for status, n in pairs(counts) do
    parts[#parts + 1] = string.format('"%s": %d', status, n)
  end
  -- One machine-readable line for the Python side (wrk's own summary is printed above it).
  io.write(string.format(
    'RESULT {"seconds": %.6f, "requests": %d, "statuses": {%s}, "p50_ms": %.3f, "p95_ms": %.3f, "p99_ms": %.3f, "mean_ms": %.3f, "max_ms": %.3f, "errors": %d}\n',
    seconds, summary.requests, table.concat(parts, ", "),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.mean / 1000, latency.max / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout))
end
