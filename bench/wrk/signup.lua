-- POST /api/v1/subscriptions, each request with an address never used before:
-- <$BENCH_SIGNUP_PREFIX>-<thread>-<n>@bench.example.org (bench/run makes a random prefix per run
-- and then counts the rows with that prefix, and their outbox mails, in SQL).
local prefix = os.getenv("BENCH_SIGNUP_PREFIX") or "bench"
local n = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

function request()
  n = n + 1
  local body = string.format(
    '{"email":"%s-%d-%d@bench.example.org","name":"Bench Perfusionist","topics":["research","careers"]}',
    prefix, thread_number or 0, n)
  return wrk.format(nil, nil, nil, body)
end

dofile("expect.lua")
