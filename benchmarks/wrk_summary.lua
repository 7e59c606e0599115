-- wrk script for peers and plain GET loads: wrk's own request loop, plus one machine-readable
-- RESULT line (same fields as submit_load.lua) for the Python side.
--
--   wrk -t T -c C -d D -s wrk_summary.lua URL

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
