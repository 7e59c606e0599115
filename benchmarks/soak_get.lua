-- wrk script for the soak test's page loads: GET the URL given to wrk (headers with -H), one
-- request after another on each connection with PAUSE_MS between them, and one RESULT line.
--
--   wrk -t T -c C -d D -s soak_get.lua URL -- PAUSE_MS

function init(args)
  pause = tonumber(args[1] or "0")
end

function delay()
  return pause
end

function done(summary, latency, requests)
  local failed = summary.errors.status
  io.write(string.format(
    'RESULT {"seconds": %.6f, "requests": %d, "statuses": {"200": %d, "0": %d}, "p50_ms": %.3f, "p95_ms": %.3f, "p99_ms": %.3f, "mean_ms": %.3f, "max_ms": %.3f, "errors": %d}\n',
    summary.duration / 1e6, summary.requests, summary.requests - failed, failed,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.mean / 1000, latency.max / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout))
end
