-- A plain GET of the URL given to wrk (bench/run runs wrk from this directory).
dofile("report.lua")
