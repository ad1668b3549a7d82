-- A GET as browsers and feed readers send it, accepting gzip: the answer comes from the gzip
-- variant the response cache stored with the entry.
wrk.headers["Accept-Encoding"] = "gzip"
dofile("report.lua")
