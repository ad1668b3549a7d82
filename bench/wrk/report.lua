-- Shared by every wrk run of bench/run: prints one JSON line with the figures of the run.
-- Latencies are in milliseconds; "errors" counts socket errors, timeouts and HTTP >= 400.
-- A scenario script may set `wrk.method`, `wrk.headers` and `wrk.body`, or define
-- `request()`, and then `dofile` this file for the report.
done = function(summary, latency, requests)
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.status + e.timeout
  local seconds = summary.duration / 1e6
  io.write(string.format(
    '{"requests":%d,"seconds":%.3f,"rps":%.1f,"bytes_per_answer":%d,"p50_ms":%.3f,"p99_ms":%.3f,"p999_ms":%.3f,"max_ms":%.3f,"errors":%d,"status_errors":%d}\n',
    summary.requests, seconds, summary.requests / seconds,
    summary.requests > 0 and math.floor(summary.bytes / summary.requests) or 0,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    latency:percentile(99.9) / 1000, latency.max / 1000, errors, e.status))
end
