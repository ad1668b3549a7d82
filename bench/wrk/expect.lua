-- Counts answers whose status is not $BENCH_EXPECT_STATUS and, after report.lua's line, prints
-- {"unexpected_status": N}. wrk only counts statuses >= 400 as errors; this catches the rest
-- (a 200 where a 304 was expected). Scripts `dofile` it after setting up their requests.
local expected = tonumber(os.getenv("BENCH_EXPECT_STATUS") or "200")
local threads = {}
unexpected = 0

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_number", #threads)
end

function response(status, headers, body)
  if status ~= expected then
    unexpected = unexpected + 1
  end
end

dofile("report.lua")
local report_done = done

function done(summary, latency, requests)
  report_done(summary, latency, requests)
  local n = 0
  for _, t in ipairs(threads) do
    n = n + (t:get("unexpected") or 0)
  end
  io.write(string.format('{"unexpected_status":%d,"expected_status":%d}\n', n, expected))
end
