-- A conditional GET: If-None-Match with the ETag in $BENCH_ETAG; every answer should be a 304.
-- No response() callback here: wrk would copy every answer's headers into Lua, on the same
-- cores as the server, and the scenario would measure wrk. bench/run checks the statuses from
-- the server's own counters (/metrics) instead.
wrk.headers["If-None-Match"] = os.getenv("BENCH_ETAG")
dofile("report.lua")
